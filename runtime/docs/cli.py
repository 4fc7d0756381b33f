"""The docs checker's commands: `examples` (report on documentation pages) and `validate` (one
body), registered on `graph-calls` by `runtime.cli`.

Bad input raises `InputError`, whose message is the one line the user sees (exit 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from ..checking.bodies import validate_body as check_value
from ..checking.findings import has_errors
from ..checking.validate import SchemaIndex
from .examples import (
    ExampleReport,
    PageReport,
    Policy,
    WholeDocuments,
    check_pages,
    render_json,
    render_text,
)
from .lenient_json import JsonLimits, parse_lenient

# A documentation page is tens of kilobytes; a bound keeps a wrong file (a disk image, a log)
# from being read whole. Bodies get the JSON reader's own bound.
MAX_PAGE_BYTES = 16 * 1024 * 1024

MAX_BODY_BYTES = JsonLimits().max_bytes

STDIN = "-"


class InputError(Exception):
    """Input that can't be checked at all; its message is the one line the user sees."""


def _readable(path: str, limit: int) -> Path:
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    if not p.is_file():
        raise InputError(f"{path}: not a file")
    if size > limit:
        raise InputError(f"{path}: {size:,} bytes, over the {limit:,}-byte limit")
    return p


def _read_bounded(stream: BinaryIO, name: str, limit: int) -> bytes:
    """At most `limit` bytes of a stream; more is refused without reading the rest."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{name}: over the {limit:,}-byte limit")
    return data


def _read_input(name: str, limit: int) -> bytes:
    """The bytes of a file, or of stdin for `-`, read within `limit`."""
    if name == STDIN:
        return _read_bounded(sys.stdin.buffer, "stdin", limit)
    path = _readable(name, limit)
    try:
        with path.open("rb") as f:  # stat said small enough; the bound holds if it grew since
            return _read_bounded(f, name, limit)
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or exc}") from None


def embedded_pages() -> list[str]:
    """The example pages shipped inside the package (runtime/docs/pages/*.md), sorted by name."""
    folder = resources.files(__package__ or "runtime.docs") / "pages"
    cwd = Path.cwd()
    pages = [Path(str(p)) for p in folder.iterdir() if p.name.endswith(".md")]
    # Shown relative to where the user stands when they are inside it (a checkout).
    return sorted(str(p.relative_to(cwd)) if p.is_relative_to(cwd) else str(p) for p in pages)


def cmd_examples(args: argparse.Namespace) -> int:
    """Report on every example of each page; 1 when any has an error."""
    paths = _expand(args.paths)
    if args.embedded:
        paths += embedded_pages()
    if not paths:
        raise InputError("give PATH... or --embedded")
    for path in paths:
        if path == STDIN:
            raise InputError("examples reads pages from files; save the page and name it")
        _readable(path, MAX_PAGE_BYTES)
    baseline = None
    if args.baseline:
        from .sarif import BaselineError, load_baseline

        raw = _read_input(args.baseline, 256 * MAX_PAGE_BYTES)
        try:
            baseline = load_baseline(raw.decode("utf-8", errors="replace"), args.baseline)
        except BaselineError as exc:
            raise InputError(str(exc)) from None
    policy: Policy = "strict" if args.strict else "lenient" if args.lenient else "by-direction"
    whole = _whole_metadata(args.metadata or [], pinned=not args.no_metadata)
    try:
        pages = _check_with_progress(paths, policy, args.models, whole)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(exc)) from None
    if baseline is not None:
        from .sarif import new_against

        pages = new_against(pages, baseline)
    if args.sarif:
        from .sarif import to_sarif

        try:
            Path(args.sarif).write_text(
                json.dumps(to_sarif(pages), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
        except OSError as exc:
            raise InputError(f"{args.sarif}: {exc.strerror or exc}") from None
    if args.json:
        for page in pages:  # the JSON is one object per body; page-level findings go to stderr
            for f in page.findings:
                print(f"{page.file}: {f}", file=sys.stderr)
        sys.stdout.write(render_json(pages) + "\n")
    else:
        sys.stdout.write(render_text(pages))
    for page in pages:
        if not page.examples:
            print(
                f"warning: {page.file}: no examples found; is it a Graph docs page?",
                file=sys.stderr,
            )
    if any(p.has_errors for p in pages):
        return 1
    # Nothing checked is not "no errors": a wrong file must not pass as a clean page.
    return 0 if any(p.examples for p in pages) else 2


def _whole_metadata(given: list[str], *, pinned: bool) -> WholeDocuments | None:
    """Each API version's whole document: as given by `--metadata` (`v1.0=PATH`, `beta=PATH`,
    a bare PATH for every version), else the pinned inputs of the sources config when they are
    present (a checkout with ../shared, or an install with the codegen extra and
    $GRAPH_MODELS_SHARED); generated and loaded only when a request needs one."""
    try:
        from .whole_metadata import (
            ANY_VERSION,
            MetadataUnavailable,
            WholeMetadata,
            parse_metadata_options,
        )
    except ImportError:
        if given:
            raise InputError(
                "--metadata needs the codegen extra (pip install 'graph-calls-models[codegen]')"
            ) from None
        return None  # an install without the generator: the models packages only
    try:
        documents = parse_metadata_options(given)
    except MetadataUnavailable as exc:
        raise InputError(str(exc)) from None
    if pinned and ANY_VERSION not in documents:
        from . import whole_metadata

        for version, document in whole_metadata.pinned_documents().items():
            documents.setdefault(version, document)
    return _Whole(WholeMetadata(documents, progress=sys.stderr.isatty())) if documents else None


class _Whole:
    """Whole documents whose failure to generate or load is a usage error (exit 2)."""

    def __init__(self, inner: WholeDocuments) -> None:
        self.inner = inner

    def index(self, version: str | None) -> SchemaIndex | None:
        """The facts of `version`'s whole document, or None."""
        from .whole_metadata import MetadataUnavailable

        try:
            return self.inner.index(version)
        except MetadataUnavailable as exc:
            raise InputError(str(exc)) from None


_PAGE_SUFFIXES = (".md", ".markdown", ".txt")


def _expand(names: Sequence[str]) -> list[str]:
    """The pages named: a folder stands for every page under it (.md, .markdown, .txt), sorted,
    spelled from the folder as given."""
    paths: list[str] = []
    for name in names:
        folder = Path(name)
        if name != STDIN and folder.is_dir():
            found = sorted(
                p for p in folder.rglob("*") if p.suffix.lower() in _PAGE_SUFFIXES and p.is_file()
            )
            if not found:
                raise InputError(f"{name}: no pages (.md, .markdown, .txt) in this folder")
            paths.extend(str(p) for p in found)
        else:
            paths.append(name)
    return paths


def _check_with_progress(
    paths: list[str], policy: Policy, models: str | None, whole: WholeDocuments | None
) -> list[PageReport]:
    """Check the pages, counting them on stderr when it is a terminal and there are many."""
    if len(paths) < 20 or not sys.stderr.isatty():
        return check_pages(paths, policy, models, whole=whole)
    pages: list[PageReport] = []
    for n, path in enumerate(paths, 1):
        pages.extend(check_pages([path], policy, models, whole=whole))
        if n % 25 == 0 or n == len(paths):
            print(f"\rchecked {n:,}/{len(paths):,} pages", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return pages


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate one JSON body typed by --type, --request or --notification."""
    raw = _read_input(args.file, MAX_BODY_BYTES)
    name = "stdin" if args.file == STDIN else Path(args.file).name
    parsed = parse_lenient(raw)
    if parsed.errors:
        first = parsed.errors[0]
        where = f"line {first.line}: " if first.line is not None else ""
        raise InputError(f"{args.file}: {where}{first.message}")
    if len(parsed.values) != 1:
        raise InputError(f"{args.file}: expected one JSON value, found {len(parsed.values)}")
    value = parsed.values[0]
    body = check_value(
        value,
        type=args.type,
        request=args.request,
        notification=args.notification,
        mode="strict" if args.strict else "lenient" if args.lenient else None,
        partial=args.partial,
        models=args.models,
    )
    method, _, url = (args.request or "").strip().partition(" ")
    kind = "notification" if args.notification else "request" if args.request else "body"
    report = ExampleReport(
        id=name,
        file=args.file,
        line=parsed.value_lines[0] if parsed.value_lines else 1,
        kind=kind,
        method=method.upper() or None,
        url=url.strip() or None,
        status=None,
        type=body.type,
        repairs=parsed.repairs,
        findings=body.findings,
        roundtrip=body.roundtrip,
    )
    if args.json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        trip = {True: "round trip ok", False: "round trip FAILED", None: "no round trip"}
        print(f"{args.file}: {report.type or 'untyped'}: {report.outcome}, {trip[body.roundtrip]}")
        for f in report.repairs + report.findings:
            print(f"  {f}")
    return 1 if has_errors(report.repairs + report.findings) else 0


def _add_models(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--models",
        metavar="IMPORT.NAME",
        help="check with this models package (e.g. a vendored copy, mysdk.models); default: "
        "the committed package of the request URL's version (/beta/, /v1.0/), else beta",
    )


def _add_mode(p: argparse.ArgumentParser, default: str) -> None:
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--strict",
        action="store_true",
        help=f"unknown enum members and types are errors (default: {default})",
    )
    group.add_argument(
        "--lenient", action="store_true", help="unknown enum members and types are warnings"
    )


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `examples` and `validate` on the `graph-calls` command line."""
    p = sub.add_parser("examples", help="check every example of documentation pages")
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="documentation page (text or .md), or a folder: every page under it",
    )
    p.add_argument(
        "--embedded",
        action="store_true",
        help="also check the example pages shipped with the package (every calls scenario)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list, one object per body")
    p.add_argument(
        "--metadata",
        metavar="[VERSION=]PATH",
        action="append",
        help="a whole $metadata document for one API version (v1.0=PATH, beta=PATH; repeatable) "
        "or, bare, for every version: requests outside the models package are checked against "
        "the document of their version (generated once into ~/.cache/graph-calls-models; needs "
        "the codegen extra). Default: the pinned inputs of metadata/sources.toml, when present",
    )
    p.add_argument(
        "--no-metadata",
        action="store_true",
        help="don't use the pinned whole documents: check with the models packages only",
    )
    p.add_argument(
        "--sarif", metavar="FILE", help="also write the findings as SARIF 2.1.0 (for code scanning)"
    )
    p.add_argument(
        "--baseline",
        metavar="FILE",
        help="a saved --json run: report (and fail on) only findings it does not hold",
    )
    _add_mode(p, "requests strict, responses and notifications lenient")
    _add_models(p)
    p.set_defaults(func=cmd_examples)
    p = sub.add_parser("validate", help="validate one JSON body")
    p.add_argument("file", metavar="FILE", help="a file holding one JSON body; - reads stdin")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--type", metavar="QNAME", help="declared type, e.g. microsoft.graph.call")
    how.add_argument("--request", metavar="'METHOD URL'", help="type the body from its request")
    how.add_argument("--notification", action="store_true", help="a callback notification body")
    p.add_argument("--partial", action="store_true", help="don't require Nullable=false properties")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_mode(p, "strict for --type and --request, lenient for --notification")
    _add_models(p)
    p.set_defaults(func=cmd_validate)
