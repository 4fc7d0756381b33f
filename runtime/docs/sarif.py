"""SARIF 2.1.0 output of a docs report, and baselines: what a docs repository's CI needs.

`to_sarif(pages)` gives one run of the `graph-calls` tool with one result per finding (rule id =
finding code, level, message, file, line, column) so that code-scanning annotates pull requests.
`new_against(pages, baseline)` keeps only findings that a saved `--json` run does not have.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from codegen._process import version

from ..checking.findings import Finding
from .examples import ExampleReport, PageReport

__all__ = ["BaselineError", "load_baseline", "new_against", "to_sarif"]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(file: str) -> str:
    # A relative path as given on the command line, as a URI reference (spaces and the like
    # escaped), so that CI resolves it against the checkout.
    return quote(PurePath(file).as_posix(), safe="/:@!$&'()*+,;=-._~")


def _result(file: str, line: int | None, f: Finding, example: str | None) -> dict[str, Any]:
    region = {"startLine": max(1, f.line or line or 1), "startColumn": 1}
    where = f"{example}: " if example else ""
    at = f" (at {f.path})" if f.path and f.path != "$" else ""
    return {
        "ruleId": f.code,
        "level": _LEVELS.get(f.severity, "note"),
        "message": {"text": f"{where}{f.message}{at}"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": _uri(file)}, "region": region}}
        ],
        "partialFingerprints": {"graphCallsFinding/v1": _key(file, example, f)},
    }


def _key(file: str, example: str | None, f: Finding) -> str:
    return "|".join((file, example or "", f.code, f.path))


def to_sarif(pages: Sequence[PageReport]) -> dict[str, Any]:
    """The report as one SARIF 2.1.0 log."""
    results: list[dict[str, Any]] = []
    for page in pages:
        results.extend(_result(page.file, f.line, f, None) for f in page.findings)
        for e in page.examples:
            results.extend(_result(e.file, e.line, f, e.id) for f in e.repairs + e.findings)
    rules = sorted({r["ruleId"] for r in results})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "graph-calls",
                        "version": version(),
                        "rules": [{"id": r, "shortDescription": {"text": r}} for r in rules],
                    }
                },
                "results": results,
            }
        ],
    }


class BaselineError(ValueError):
    """A baseline file that is not a saved `examples --json` run."""


def load_baseline(text: str, name: str) -> frozenset[tuple[str, str, str, str]]:
    """The findings of a saved `--json` run, as (file, example id, code, JSON path) keys."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BaselineError(f"{name}: not JSON ({exc})") from None
    if not isinstance(data, list):
        raise BaselineError(f"{name}: expected the list that `examples --json` prints")
    keys: set[tuple[str, str, str, str]] = set()
    for i, item in enumerate(data):
        if not isinstance(item, Mapping) or not isinstance(item.get("source"), Mapping):
            raise BaselineError(f"{name}: item [{i}] is not a report of one body")
        file, eid = str(item["source"].get("file")), str(item.get("id"))
        for group in ("repairs", "findings"):
            for f in item.get(group) or ():
                if isinstance(f, Mapping):
                    keys.add((file, eid, str(f.get("code")), str(f.get("path"))))
    return frozenset(keys)


def new_against(
    pages: Iterable[PageReport], baseline: frozenset[tuple[str, str, str, str]]
) -> list[PageReport]:
    """The pages with only the findings that the baseline does not hold."""

    def fresh(e: ExampleReport, found: tuple[Finding, ...]) -> tuple[Finding, ...]:
        return tuple(f for f in found if (e.file, e.id, f.code, f.path) not in baseline)

    return [
        replace(
            page,
            examples=tuple(
                replace(e, repairs=fresh(e, e.repairs), findings=fresh(e, e.findings))
                for e in page.examples
            ),
        )
        for page in pages
    ]
