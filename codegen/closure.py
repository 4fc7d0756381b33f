"""Which types and operations a generated package holds: everything, or the closure of roots."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from codegen.model import Model, Operation, StructuredType, TypeDefinition, TypeRef


@dataclass(frozen=True, slots=True)
class Scope:
    """The types (qualified names) and operations to generate."""

    types: frozenset[str]
    operations: tuple[Operation, ...]


def everything(model: Model) -> Scope:
    """Every type and every operation of every schema."""
    ops = tuple(op for qname in sorted(model.operations) for op in model.operations[qname])
    return Scope(frozenset(model.types), ops)


def unknown_roots(model: Model, roots: Iterable[str]) -> list[str]:
    """The roots that name no structured type of the model."""
    return [r for r in roots if not isinstance(model.types.get(r), StructuredType)]


def closure(model: Model, roots: Iterable[str]) -> Scope:
    """Roots plus what reading and writing them needs.

    That is: base types; property and parameter types; the navigation targets and the bound
    operations of the roots; and the derived types of every type used as a declared property,
    parameter or return type, so that polymorphic values can be read. Not every subtype of
    `entity` merely because a root derives from it.
    """
    roots = list(roots)
    types: set[str] = set()
    pending: list[str] = []

    def use(ref: TypeRef | str) -> None:
        qname = ref.qname if isinstance(ref, TypeRef) else ref
        t = model.types.get(qname)
        if t is None:
            return
        if isinstance(t, TypeDefinition):
            return
        pending.append(qname)
        if isinstance(t, StructuredType):
            pending.extend(model.all_derived(qname))

    operations: list[Operation] = []
    for root in roots:
        pending.append(root)
        for nav in model.all_navigation_properties(root):
            use(nav.type)
        for key in (root, f"Collection({root})"):
            for op in model.bound_operations.get(key, ()):
                operations.append(op)
                for p in op.parameters[1:]:
                    use(p.type)
                if op.return_type is not None:
                    use(op.return_type.type)

    while pending:
        qname = pending.pop()
        if qname in types:
            continue
        t = model.types.get(qname)
        if t is None:
            continue
        types.add(qname)
        if isinstance(t, StructuredType):
            if t.base:
                pending.append(t.base)
            for prop in t.properties:
                use(prop.type)
    # A navigation property of a type in scope is generated only when its target is in scope.
    return Scope(frozenset(types), tuple(_dedupe(operations)))


def _dedupe(operations: list[Operation]) -> list[Operation]:
    seen: set[int] = set()
    out = []
    for op in operations:
        if id(op) not in seen:
            seen.add(id(op))
            out.append(op)
    return out
