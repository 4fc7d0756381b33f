"""Command line of the generator: `inspect`, `sources`, `generate` and `diff`.

Exit status: 0 no errors (warnings allowed), 1 error diagnostics (or stale output with
`--check`), 2 bad usage or refused input (a missing, oversized or malformed document, a pinned
input whose sha256 differs), 3 an internal error (traceback only with `--debug`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from codegen import diff, generate
from codegen._process import version
from codegen.diagnostics import Policy, errors, parse_override
from codegen.inspect import render_text, report
from codegen.model import Model
from codegen.sources import (
    DEFAULT_CONFIG,
    SHARED_ENV,
    PinnedFile,
    Sources,
    display_path,
    download_live,
    load_model,
    load_packages,
    load_pinned,
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
    found = list(model.diagnostics)
    if not errors(found):  # a model with errors may not plan; its errors come first anyway
        found += generate.plan_diagnostics(model)
    diagnostics = _policy(args).apply(found)
    if args.json:
        json.dump(report(model, diagnostics), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_text(model, diagnostics))
    return 1 if errors(diagnostics) else 0


def cmd_sources(args: argparse.Namespace) -> int:
    """Verify every pinned input's sha256; download the live documents only when asked."""
    config = Path(args.config)
    packages = load_packages(config)
    several = len(packages) > 1
    failures: list[MetadataError] = []
    pinned: list[PinnedFile] = []
    for sources in packages:
        if several:
            print(f"package  {sources.name}: {sources.package} ({display_path(sources.out)})")
        for role, item in [("base", sources.base), *(("overlay", o) for o in sources.overlays)]:
            pinned.append(item)
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
        for sources in packages:
            path, sha256 = download_live(
                sources.live_url, Path(args.download_live), stem=sources.name
            )
            print(f"downloaded {display_path(path)}  sha256 {sha256}")
            print(
                "to pin it: review it with `python -m codegen inspect --metadata "
                f"{display_path(path)}`, then set in {display_path(config)}, package "
                f'{sources.name!r}:\n  path = "{display_path(path)}"\n  sha256 = "{sha256}"'
            )
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    if any(not item.path.is_file() for item in pinned):
        print(
            f"hint: the pinned files are the ../shared/metadata snapshots beside the checkout; "
            f"set {SHARED_ENV} to a folder holding metadata/ with them to use another place",
            file=sys.stderr,
        )
    return 2 if failures else 0


def _selected(args: argparse.Namespace) -> tuple[Sources, ...]:
    """The packages of `--config` that `--only` names (all of them without it)."""
    packages = load_packages(Path(args.config))
    only = getattr(args, "only", None)
    if not only:
        return packages
    chosen = tuple(p for p in packages if p.name in only)
    unknown = sorted(set(only) - {p.name for p in chosen})
    if unknown:
        known = ", ".join(p.name for p in packages)
        raise generate.GenerationError(
            f"--only names no package of {display_path(args.config)}: "
            f"{', '.join(unknown)} (it has: {known})"
        )
    return chosen


def _refuse_changed_pins(args: argparse.Namespace) -> None:
    # `generate --if-changed` trusts the header of the output; a pinned input whose bytes
    # changed must be refused before anything looks at that header.
    if args.command == "generate" and getattr(args, "config", None):
        for sources in _selected(args):
            for item in (sources.base, *sources.overlays):
                verify(item)


def cmd_diff(args: argparse.Namespace) -> int:
    """Report the API changes from OLD to NEW; 1 when one reaches `--fail-on`, 2 on bad input."""
    try:
        old = load_model(args.old, args.overlay)
        new = load_model(args.new, args.new_overlay)
    except MetadataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unknown = [r for r in args.root if r not in old.types and r not in new.types]
    if unknown:
        print(f"error: --root names no type of either side: {', '.join(unknown)}", file=sys.stderr)
        return 2
    changes = diff.diff_models(old, new, args.root)
    sides = diff.Side.of(old), diff.Side.of(new)
    if args.json:
        json.dump(diff.as_json(changes, *sides), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.markdown:
        print(diff.render_markdown(changes, *sides))
    else:
        print(diff.render_text(changes, *sides))
    failing = {"breaking": ("breaking",), "additive": ("breaking", "additive")}
    return 1 if any(c.impact in failing.get(args.fail_on, ()) for c in changes) else 0


def _add_generate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `generate` subcommand."""
    p = sub.add_parser("generate", help="generate the attrs package")
    p.add_argument("--metadata", help="base CSDL document (path)")
    p.add_argument("--overlay", action="append", default=[], help="overlay document (repeatable)")
    p.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="QNAME",
        help="generate the closure of these types (repeatable); default: everything",
    )
    p.add_argument("--out", help="the package folder to write")
    p.add_argument("--package", help="the package's import name (default: the folder's name)")
    p.add_argument(
        "--config", help="take inputs, roots and output of every package from a sources config"
    )
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="with --config: only this package of the config (repeatable)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 with the changed files when the output would change",
    )
    p.add_argument("--diff", action="store_true", help="also print the whole unified diff")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an output folder this generator did not write (its files are deleted)",
    )
    p.add_argument(
        "--if-changed",
        action="store_true",
        help="with --config: skip when the output's manifest records the pinned inputs",
    )
    p.add_argument("--strict", action="store_true", help="treat metadata warnings as errors")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="print stage lines on stderr (default: when stderr is a terminal)",
    )
    p.set_defaults(func=cmd_generate)


def cmd_generate(args: argparse.Namespace) -> int:
    """Run `generate`: 0 when written or current, 1 with --check on stale output, and a
    one-line error with exit status 2 for bad usage or input (`GenerationError`)."""
    try:
        return _cmd_generate(args)
    except MetadataError as exc:
        raise generate.GenerationError(str(exc)) from None
    except OSError as exc:  # an unwritable or impossible --out, a full disk: no traceback
        raise generate.GenerationError(f"cannot write the package: {exc}") from None


def _cmd_generate(args: argparse.Namespace) -> int:
    progress = generate.Progress(sys.stderr.isatty() if args.progress is None else args.progress)
    if not args.config:
        if not args.metadata or not args.out:
            raise generate.GenerationError("give --metadata and --out, or --config")
        out = Path(args.out)
        package = args.package or Path(os.path.abspath(out)).name
        generate.check_package_name(
            package, "--package" if args.package else "the --out folder's name"
        )
        progress("reading metadata")
        model = load_model(args.metadata, args.overlay)
        return _generate_one(args, model, args.root, out, package, {}, progress)
    packages = _selected(args)
    if len(packages) > 1 and (args.out or args.package or args.root):
        raise generate.GenerationError(
            "--out, --package and --root apply to one package: add --only NAME"
        )
    status = 0
    for sources in packages:
        out = Path(args.out) if args.out else sources.out
        roots = args.root or list(sources.roots)
        package = args.package or sources.package
        generate.check_package_name(package, "--package" if args.package else "the sources config")
        if args.if_changed and generate.manifest_is_current(out, sources, roots, package):
            print(f"{display_path(out)} is current with the pinned inputs")
            continue
        progress(f"reading metadata of {sources.name}")
        model = load_pinned(sources)
        urls = generate.source_urls(sources)
        status = max(status, _generate_one(args, model, roots, out, package, urls, progress))
    return status


def _generate_one(
    args: argparse.Namespace,
    model: Model,
    roots: Sequence[str],
    out: Path,
    package: str,
    sources_by_sha: dict[str, str],
    progress: generate.Progress,
) -> int:
    diagnostics = Policy(strict=args.strict).apply(model.diagnostics)
    bad = errors(diagnostics)
    if bad:
        for d in bad:
            print(d, file=sys.stderr)
        raise generate.GenerationError(f"{len(bad)} metadata errors; nothing written")
    changed, summary = generate.generate(
        model,
        list(roots),
        out,
        package,
        check=args.check,
        force=args.force,
        diff=args.diff,
        sources=sources_by_sha,
        progress=progress,
        warn=lambda d: print(d, file=sys.stderr),
    )
    if args.check:
        if changed:
            print(f"{display_path(out)} is stale: {summary}")
            return 1
        print(f"{display_path(out)} is current")
        return 0
    if changed:
        counts, _, rest = summary.partition("\n")
        print(f"{display_path(out)}: updated ({counts})")
        if args.diff:
            print(rest)
    else:
        print(f"{display_path(out)}: unchanged")
    return 0


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
    _add_generate(sub)
    p = sub.add_parser("diff", help="report the API changes between two metadata documents")
    p.add_argument("old", help="the old base CSDL document (path)")
    p.add_argument("new", help="the new base CSDL document (path)")
    p.add_argument("--overlay", action="append", default=[], help="overlay of OLD (repeatable)")
    p.add_argument("--new-overlay", action="append", default=[], help="overlay of NEW (repeatable)")
    p.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="QNAME",
        help="only changes within the closure of these types, either side (repeatable)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object")
    out.add_argument("--markdown", action="store_true", help="print Markdown for a changelog or PR")
    p.add_argument(
        "--fail-on",
        choices=("breaking", "additive"),
        help="exit 1 when a change of this impact (additive: or breaking) exists",
    )
    p.set_defaults(func=cmd_diff)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _refuse_changed_pins(args)
        status: int = args.func(args)
    except (generate.GenerationError, MetadataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return status
