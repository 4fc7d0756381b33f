"""Command line of the generator: `inspect`, `sources` and `generate`.

Exit status: 0 no errors (warnings allowed), 1 error diagnostics (or stale output with
`--check`), 2 bad usage or refused input (a missing, oversized or malformed document, a pinned
input whose sha256 differs), 3 an internal error (traceback only with `--debug`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen import generate
from codegen._process import version
from codegen.diagnostics import Policy, errors, parse_override
from codegen.inspect import render_text, report
from codegen.sources import (
    DEFAULT_CONFIG,
    SHARED_ENV,
    display_path,
    download_live,
    load_model,
    load_sources,
    verify,
)
from codegen.xmlsafe import MetadataError


def _policy(args: argparse.Namespace) -> Policy:
    overrides = dict(parse_override(o) for o in args.severity)
    return Policy(overrides=overrides, strict=args.strict)


def _add_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--metadata", required=True, help="base CSDL document (path)")
    p.add_argument(
        "--overlay", action="append", default=[], help="overlay CSDL document (repeatable)"
    )
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="CODE=LEVEL",
        help="override a diagnostic's severity (error, warning, info); repeatable",
    )


def cmd_inspect(args: argparse.Namespace) -> int:
    """Print counts, the overlay report and diagnostics; 1 when there are errors."""
    model = load_model(args.metadata, args.overlay)
    diagnostics = _policy(args).apply(model.diagnostics)
    if args.json:
        json.dump(report(model, diagnostics), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_text(model, diagnostics))
    return 1 if errors(diagnostics) else 0


def cmd_sources(args: argparse.Namespace) -> int:
    """Verify every pinned input's sha256; download the live document only when asked."""
    config = Path(args.config)
    sources = load_sources(config)
    failures: list[MetadataError] = []
    pinned = [("base", sources.base), *(("overlay", o) for o in sources.overlays)]
    for role, item in pinned:
        try:
            verify(item)
        except MetadataError as exc:
            failures.append(exc)
            state = "MISMATCH" if item.path.is_file() else "MISSING"
            print(f"{role:8} {display_path(item.path)}  sha256 {item.sha256}  {state}")
        else:
            print(f"{role:8} {display_path(item.path)}  sha256 {item.sha256}  ok")
    print(f"live     {sources.live_url}")
    if args.download_live:
        path, sha256 = download_live(sources.live_url, Path(args.download_live))
        print(f"downloaded {display_path(path)}  sha256 {sha256}")
        print(
            "to pin it: review it with `python -m codegen inspect --metadata "
            f"{display_path(path)}`, then set in {display_path(config)}:\n"
            f'  [base]\n  path = "{display_path(path)}"\n  sha256 = "{sha256}"'
        )
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    if any(not item.path.is_file() for _, item in pinned):
        print(
            f"hint: the pinned files are the ../shared/metadata snapshots beside the checkout; "
            f"set {SHARED_ENV} to a folder holding metadata/ with them to use another place",
            file=sys.stderr,
        )
    return 2 if failures else 0


def _refuse_changed_pins(args: argparse.Namespace) -> None:
    # `generate --if-changed` trusts the header of the output; a pinned input whose bytes
    # changed must be refused before anything looks at that header.
    if args.command == "generate" and getattr(args, "config", None):
        sources = load_sources(Path(args.config))
        for item in (sources.base, *sources.overlays):
            verify(item)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m codegen`."""
    parser = argparse.ArgumentParser(
        prog="graph-codegen", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a crash")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("inspect", help="summarise a metadata document and its diagnostics")
    _add_inputs(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_inspect)
    p = sub.add_parser("sources", help="verify the pinned metadata inputs' sha256")
    p.add_argument(
        "--config", default=str(DEFAULT_CONFIG), help="sources config (metadata/sources.toml)"
    )
    p.add_argument(
        "--download-live",
        metavar="DIR",
        help="download the live $metadata into DIR/beta-<date>.xml (needs network)",
    )
    p.set_defaults(func=cmd_sources)
    generate.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _refuse_changed_pins(args)
        status: int = args.func(args)
    except generate.GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (MetadataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status
