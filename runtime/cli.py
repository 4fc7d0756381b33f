"""Command line of the runtime (`graph-calls`): the docs checker's `examples` and `validate`,
`models`, and the emulator's `emulate`.

Exit status: 0 when nothing is an error, 1 when a body (or a page) has an error, 2 when the input
can't be read at all (a missing, oversized or unreadable file, no JSON) or the arguments are
wrong, 3 an internal error (traceback only with `--debug`). Bad input is reported in one line on
stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from codegen._process import version

from .checking.models import DEFAULT_PACKAGES, default_models, load_models
from .docs import cli as docs_cli
from .docs.cli import InputError
from .emulator import cli as emulator_cli


def cmd_models(args: argparse.Namespace) -> int:
    """List the models packages the runtime checks with: per API version, or the one named."""
    chosen = (
        [(None, load_models(args.models))]
        if args.models
        else [(v, default_models(v)) for v in DEFAULT_PACKAGES]
    )
    for api_version, models in chosen:
        manifest = models.module.manifest()
        facts = models.facts
        label = f"{api_version}: " if api_version else ""
        print(
            f"{label}{models.name}  {len(facts.types)} types, {len(facts.enums)} enums, "
            f"{len(models.roots)} roots"
        )
        for item in manifest.get("inputs", []):
            print(f"  {item.get('role', '?'):8} {item.get('name')}  sha256 {item.get('sha256')}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m runtime`."""
    parser = argparse.ArgumentParser(
        prog="graph-calls", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a crash")
    sub = parser.add_subparsers(dest="command", required=True)
    docs_cli.add_commands(sub)
    p = sub.add_parser("models", help="list the models packages (one per API version)")
    p.add_argument("--models", metavar="IMPORT.NAME", help="describe this package instead")
    p.set_defaults(func=cmd_models)
    emulator_cli.add_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except (InputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status
