"""Findings: what validation and reading report, as data (severity, code, JSON path, message)."""

from __future__ import annotations

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


def cap_findings(
    findings: Sequence[Finding], limit: int = DEFAULT_MAX_FINDINGS
) -> tuple[Finding, ...]:
    """At most `limit` findings, errors first, then one note counting those left out."""
    if len(findings) <= limit:
        return tuple(findings)
    # Errors decide the outcome, so they are kept before warnings when the list is cut.
    ordered = sorted(findings, key=lambda f: f.severity != "error")
    kept = ordered[:limit]
    rest = len(findings) - limit
    errors_left = sum(1 for f in ordered[limit:] if f.severity == "error")
    note = Finding(
        "info",
        "findings.truncated",
        "$",
        f"{rest} more finding(s) not listed ({errors_left} of them errors)",
    )
    return (*kept, note)
