"""Command line of the runtime: `examples` (report on documentation pages) and `validate` (a body).

Exit status: 0 when nothing is an error, 1 when a body (or a page) has an error, 2 when the input
can't be read at all (a missing, oversized or unreadable file, no JSON) or the arguments are
wrong, 3 an internal error (traceback only with `--debug`). Bad input is reported in one line on
stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import BinaryIO

from codegen._process import version

from .checking.bodies import validate_body as check_value
from .checking.findings import has_errors
from .checking.models import DEFAULT_PACKAGES, default_models, load_models
from .checking.validate import SchemaIndex
from .docs.examples import (
    ExampleReport,
    PageReport,
    Policy,
    WholeDocuments,
    check_pages,
    render_json,
    render_text,
)
from .docs.lenient_json import JsonLimits, parse_lenient
from .emulator.server import DEFAULT_APP_ID

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
    folder = resources.files(f"{__package__ or 'runtime'}.docs") / "pages"
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
        from .docs.sarif import BaselineError, load_baseline

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
        from .docs.sarif import new_against

        pages = new_against(pages, baseline)
    if args.sarif:
        from .docs.sarif import to_sarif

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
        from .docs.whole_metadata import (
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
        from .docs import whole_metadata

        for version, document in whole_metadata.pinned_documents().items():
            documents.setdefault(version, document)
    return _Whole(WholeMetadata(documents, progress=sys.stderr.isatty())) if documents else None


class _Whole:
    """Whole documents whose failure to generate or load is a usage error (exit 2)."""

    def __init__(self, inner: WholeDocuments) -> None:
        self.inner = inner

    def index(self, version: str | None) -> SchemaIndex | None:
        """The facts of `version`'s whole document, or None."""
        from .docs.whole_metadata import MetadataUnavailable

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


def _add_models(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--models",
        metavar="IMPORT.NAME",
        help="check with this models package (e.g. a vendored copy, mysdk.models); default: "
        "the committed package of the request URL's version (/beta/, /v1.0/), else beta",
    )


def cmd_emulate(args: argparse.Namespace) -> int:
    """Serve the calls emulator on loopback until Ctrl-C."""
    import contextlib
    import threading

    from .emulator import Emulator, Faults

    faults = Faults(
        out_of_order=args.out_of_order,
        duplicate=args.duplicate,
        delay=args.delay,
        drop_delta_sequence=args.drop_delta_sequence,
        throttle_every=args.throttle_every,
        fail_every=args.fail_every,
    )
    with Emulator(app_id=args.app_id, faults=faults, port=args.port) as emulator:
        print(f"calls API: {emulator.url}/v1.0/communications/calls (and /beta)", flush=True)
        print(f"OpenID configuration: {emulator.openid_config_url}", flush=True)
        print(f"tokens: issuer https://graph.microsoft.com, audience {emulator.app_id}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `python -m runtime`."""
    parser = argparse.ArgumentParser(
        prog="graph-calls", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of a crash")
    sub = parser.add_subparsers(dest="command", required=True)
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
    p = sub.add_parser("models", help="list the models packages (one per API version)")
    p.add_argument("--models", metavar="IMPORT.NAME", help="describe this package instead")
    p.set_defaults(func=cmd_models)
    p = sub.add_parser("emulate", help="serve an offline stand-in for Graph's calls API")
    p.add_argument("--port", type=int, default=0, help="loopback port (0: any free port)")
    p.add_argument("--app-id", default=DEFAULT_APP_ID, help="the audience of the tokens it signs")
    p.add_argument("--out-of-order", action="store_true", help="swap adjacent notifications")
    p.add_argument("--duplicate", action="store_true", help="deliver every notification twice")
    p.add_argument("--delay", type=float, default=0.0, help="seconds before each notification")
    p.add_argument(
        "--drop-delta-sequence", action="store_true", help="delta rosters without sequenceNumber"
    )
    p.add_argument("--throttle-every", type=int, default=0, metavar="N", help="429 every N")
    p.add_argument("--fail-every", type=int, default=0, metavar="N", help="503 every N")
    p.set_defaults(func=cmd_emulate)
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
