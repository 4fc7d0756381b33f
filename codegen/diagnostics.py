"""The policy that decides which metadata diagnostics are errors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from codegen.model import Diagnostic, Severity


@dataclass(frozen=True, slots=True)
class Policy:
    """Per-code severity overrides; `strict` makes every remaining warning an error."""

    overrides: Mapping[str, Severity] = field(default_factory=dict)
    strict: bool = False

    def apply(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics with this policy's severities, in a stable order."""
        out = []
        for d in diagnostics:
            severity = self.overrides.get(d.code, d.severity)
            if self.strict and severity == "warning":
                severity = "error"
            out.append(d if severity == d.severity else replace(d, severity=severity))
        return sorted(out, key=sort_key)


def sort_key(d: Diagnostic) -> tuple[str, int, str, str]:
    """Order by file, line, code and element, so reports and snapshots are stable."""
    return (d.file or "", d.line or 0, d.code, d.element or "")


def errors(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Only the errors."""
    return [d for d in diagnostics if d.severity == "error"]


def parse_override(text: str) -> tuple[str, Severity]:
    """Parse `CODE=error|warning|info` from the command line."""
    code, _, level = text.partition("=")
    if level not in ("error", "warning", "info") or not code:
        raise ValueError(f"expected CODE=error|warning|info, got {text!r}")
    sev: Severity = "error" if level == "error" else "warning" if level == "warning" else "info"
    return code, sev
