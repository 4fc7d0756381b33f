"""`inspect`: what a metadata document (with overlays) declares, and what is wrong with it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from codegen.model import Diagnostic, EnumType, Model, StructuredType, TypeDefinition

COUNT_KEYS = (
    "entity_types",
    "complex_types",
    "enum_types",
    "type_definitions",
    "actions",
    "functions",
    "entity_sets",
    "singletons",
    "terms",
)


def namespace_counts(model: Model) -> dict[str, dict[str, int]]:
    """Per namespace, how many of each kind of element it declares (overloads count apiece)."""
    out: dict[str, dict[str, int]] = {}
    for s in model.schemas:
        c: Counter[str] = Counter({k: 0 for k in COUNT_KEYS})
        for t in s.types:
            if isinstance(t, StructuredType):
                c["entity_types" if t.kind == "entity" else "complex_types"] += 1
            elif isinstance(t, EnumType):
                c["enum_types"] += 1
            elif isinstance(t, TypeDefinition):
                c["type_definitions"] += 1
        for op in s.operations:
            c["actions" if op.kind == "action" else "functions"] += 1
        c["terms"] += len(s.terms)
        for cont in s.containers:
            c["entity_sets"] += len(cont.entity_sets)
            c["singletons"] += len(cont.singletons)
        prior = out.get(s.namespace)
        if prior:
            c.update(prior)
        out[s.namespace] = {k: c[k] for k in COUNT_KEYS}
    return out


def report(model: Model, diagnostics: Sequence[Diagnostic]) -> dict[str, object]:
    """The `inspect --json` object."""
    per_ns = namespace_counts(model)
    totals = {k: sum(ns[k] for ns in per_ns.values()) for k in COUNT_KEYS}
    return {
        "inputs": [{"path": i.path, "sha256": i.sha256, "role": i.role} for i in model.inputs],
        "counts": totals,
        "namespaces": per_ns,
        "overlay": {
            "added": list(model.overlay.added),
            "replaced": list(model.overlay.replaced),
            "members": [m.as_dict() for m in model.overlay.members],
        },
        "diagnostics": [d.as_dict() for d in diagnostics],
    }


def render_text(model: Model, diagnostics: Sequence[Diagnostic]) -> str:
    """A person's view of the same report."""
    per_ns = namespace_counts(model)
    headers = ("namespace", *COUNT_KEYS)
    rows = [(ns, *(str(c[k]) for k in COUNT_KEYS)) for ns, c in per_ns.items()]
    totals = [sum(int(r[i + 1]) for r in rows) for i in range(len(COUNT_KEYS))]
    rows.append(("total", *(str(t) for t in totals)))
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    ov = model.overlay
    if ov.added or ov.replaced:
        lines.append("")
        lines.append(f"overlay: {len(ov.added)} added, {len(ov.replaced)} replaced")
        for q in ov.added:
            lines.append(f"  + {q}")
        for m in ov.members:
            parts = []
            if m.added:
                parts.append("+" + " +".join(m.added))
            if m.removed:
                parts.append("-" + " -".join(m.removed))
            if m.changed:
                parts.append("~" + " ~".join(m.changed))
            lines.append(f"  ~ {m.qname}: {' '.join(parts) if parts else 'no member change'}")
    by_sev = Counter(d.severity for d in diagnostics)
    lines.append("")
    lines.append(
        f"diagnostics: {by_sev['error']} errors, {by_sev['warning']} warnings, "
        f"{by_sev['info']} infos"
    )
    lines += [f"  {d}" for d in diagnostics]
    return "\n".join(lines)
