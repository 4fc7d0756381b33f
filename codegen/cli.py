"""Command line of the generator: `inspect`, `sources` and `generate`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen import generate
from codegen.diagnostics import Policy, errors, parse_override
from codegen.inspect import render_text, report
from codegen.sources import (
    DEFAULT_CONFIG,
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
            print(f"{role:8} {display_path(item.path)}  sha256 {item.sha256}  MISMATCH")
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
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m codegen`."""
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
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
        status: int = args.func(args)
    except generate.GenerationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MetadataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status
