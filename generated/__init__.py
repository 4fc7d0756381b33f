"""The committed models packages, one per Graph API version: `generated.beta`, `generated.v1_0`.

Each subpackage is generated (never edit it) and self-contained: import it, or copy it into
your own package under any name. This file is the only hand-written one here.
"""
