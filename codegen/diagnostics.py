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


LEVELS: tuple[Severity, ...] = ("error", "warning", "info")

# Every code the reader and the resolver emit; `--severity` refuses any other, so a typo can't
# silently change nothing. tests/test_diagnostic_codes.py keeps this in step with the sources.
KNOWN_CODES = frozenset(
    {
        "bad-base-type",
        "bad-boolean",
        "bad-underlying-type",
        "bad-value",
        "base-type-cycle",
        "bound-without-parameter",
        "duplicate-member",
        "duplicate-name",
        "duplicate-namespace",
        "function-without-return",
        "invalid-identifier",
        "key-on-complex",
        "missing-attribute",
        "missing-key",
        "name-collision",
        "name-shared-with-operation",
        "no-schema",
        "nonstandard-value",
        "unknown-element",
        "unknown-version",
        "unresolved-type",
    }
)


def parse_override(text: str) -> tuple[str, Severity]:
    """Parse `CODE=error|warning|info` from the command line; unknown codes and levels raise."""
    code, _, level = text.partition("=")
    severity = next((known for known in LEVELS if known == level), None)
    if severity is None or not code:
        raise ValueError(f"expected CODE=error|warning|info, got {text!r}")
    if code not in KNOWN_CODES:
        raise ValueError(
            f"unknown diagnostic code {code!r} in {text!r}; codes: {', '.join(sorted(KNOWN_CODES))}"
        )
    return code, severity
