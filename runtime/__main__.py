"""`python -m runtime`: check documentation examples, validate a body."""

from runtime.cli import main

raise SystemExit(main())
