"""Findings: what validation and reading report, as data (severity, code, JSON path, message)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem or note about a JSON body, located by JSON path and, when known, source line."""

    severity: Severity
    code: str
    path: str
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON form used in reports."""
        out: dict[str, object] = {
            "severity": self.severity,
            "code": self.code,
            "path": self.path,
            "message": self.message,
        }
        if self.line is not None:
            out["line"] = self.line
        return out

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line is not None else ""
        return f"{self.severity} {self.code} at {self.path}{where}: {self.message}"


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    """True when any finding is an error."""
    return any(f.severity == "error" for f in findings)


DEFAULT_MAX_FINDINGS = 100
"""Findings listed per body; past it one `findings.truncated` note counts the rest."""

TRUNCATED = "findings.truncated"
_TRUNCATED_COUNTS = re.compile(r"(\d+) more finding\(s\) not listed \((\d+) of them errors\)")


def truncated_note(rest: int, errors: int) -> Finding:
    """The note that stands for `rest` findings left out, `errors` of them errors."""
    return Finding(
        "info", TRUNCATED, "$", f"{rest} more finding(s) not listed ({errors} of them errors)"
    )


def cap_findings(
    findings: Sequence[Finding], limit: int = DEFAULT_MAX_FINDINGS
) -> tuple[Finding, ...]:
    """At most `limit` findings, errors first, then one note counting all those left out
    (earlier notes' counts included, so cutting twice still counts right)."""
    notes = [f for f in findings if f.code == TRUNCATED]
    if len(findings) <= limit and len(notes) <= 1:
        return tuple(findings)
    listed = [f for f in findings if f.code != TRUNCATED]
    rest = errors = 0
    for note in notes:
        counts = _TRUNCATED_COUNTS.match(note.message)
        if counts is not None:
            rest += int(counts.group(1))
            errors += int(counts.group(2))
    # Errors decide the outcome, so they are kept before warnings when the list is cut.
    ordered = sorted(listed, key=lambda f: f.severity != "error")
    kept, left = ordered[:limit], ordered[limit:]
    rest += len(left)
    errors += sum(1 for f in left if f.severity == "error")
    return (*kept, truncated_note(rest, errors)) if rest else tuple(kept)
