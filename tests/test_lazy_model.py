"""The lazy model (`load_model`) builds records on demand and equals the eager `build_model`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from codegen.csdl import read_document
from codegen.inspect import report
from codegen.lazy import LazyMapping
from codegen.lazy_document import LazyDocument
from codegen.lazy_model import lazy_model
from codegen.model import Model, StructuredType
from codegen.resolve import build_model
from codegen.sources import load_model
from codegen.xmlsafe import MetadataError, load_file
from tests.conftest import CALLS_OVERLAY, CSDL_FIXTURES, GRAPH_SNAPSHOT, shared_path

FIXTURE_INPUTS = [
    ("full.xml",),
    ("defects.xml",),
    ("full.xml", "overlay_a.xml", "overlay_b.xml"),
    ("defects.xml", "overlay_a.xml"),
]


def _eager(base: Path, overlays: list[Path]) -> Model:
    return build_model(read_document(base), [read_document(o, overlay=True) for o in overlays])


def _lazy(base: Path, overlays: list[Path]) -> tuple[Model, list[LazyDocument]]:
    docs = [LazyDocument(load_file(base))]
    docs += [LazyDocument(load_file(o), overlay=True) for o in overlays]
    return lazy_model(docs[0], docs[1:]), docs


def _built(docs: list[LazyDocument]) -> int:
    return sum(len(d._built) for d in docs)


def assert_same_model(lazy: Model, eager: Model) -> None:
    """Every attribute equal, in the same order; diagnostics asked for first."""
    assert lazy.diagnostics == eager.diagnostics
    assert lazy.overlay == eager.overlay
    assert list(lazy.types.items()) == list(eager.types.items())
    assert list(lazy.operations.items()) == list(eager.operations.items())
    assert list(lazy.terms.items()) == list(eager.terms.items())
    assert list(lazy.bound_operations.items()) == list(eager.bound_operations.items())
    assert list(lazy.derived.items()) == list(eager.derived.items())
    assert list(lazy.annotations.items()) == list(eager.annotations.items())
    assert lazy.containers == eager.containers
    assert lazy.schemas == eager.schemas
    assert [t.qname for t in lazy.iter_structured()] == [t.qname for t in eager.iter_structured()]
    for q in eager.types:
        assert lazy.all_properties(q) == eager.all_properties(q)
        assert lazy.key(q) == eager.key(q)
    assert report(lazy, lazy.diagnostics) == report(eager, eager.diagnostics)


@pytest.mark.parametrize("names", FIXTURE_INPUTS, ids=lambda n: "+".join(n))
def test_lazy_equals_eager_on_fixtures(names: tuple[str, ...]) -> None:
    paths = [CSDL_FIXTURES / n for n in names]
    lazy, _ = _lazy(paths[0], paths[1:])
    assert_same_model(lazy, _eager(paths[0], paths[1:]))


def test_lazy_equals_eager_on_the_snapshot_with_overlay() -> None:
    base, overlay = shared_path(GRAPH_SNAPSHOT), shared_path(CALLS_OVERLAY)
    lazy, _ = _lazy(base, [overlay])
    assert_same_model(lazy, _eager(base, [overlay]))


def test_load_model_builds_one_type_when_one_is_read() -> None:
    base = shared_path(GRAPH_SNAPSHOT)
    model, docs = _lazy(base, [])
    assert isinstance(model.types, LazyMapping)
    assert _built(docs) == 0
    assert "microsoft.graph.call" in model.types
    assert len(model.types) > 3000
    assert model.derived["microsoft.graph.entity"]
    assert _built(docs) == 0, "names, containment and derived types need no record"

    call = model.structured("microsoft.graph.call")
    assert _built(docs) == 1
    assert call.properties and all(p.source is not None for p in call.properties)
    assert model.structured("microsoft.graph.call") is call, "built once, then kept"
    assert _built(docs) == 1

    # The record is the ordinary immutable value.
    assert replace(call, abstract=True) != call
    assert hash(replace(call)) == hash(call)
    eager = read_document(base)
    (same,) = [t for s in eager.schemas for t in s.types if t.qname == call.qname]
    assert same == call


def test_inherited_members_build_only_the_base_chain() -> None:
    model, docs = _lazy(shared_path(GRAPH_SNAPSHOT), [])
    chain = model.base_chain("microsoft.graph.user")
    assert [t.qname for t in chain][-1] == "microsoft.graph.entity"
    assert model.all_properties("microsoft.graph.user")[0].name == "id"
    assert _built(docs) == len(chain)


def test_bound_operations_build_only_what_is_looked_up() -> None:
    model, docs = _lazy(shared_path(GRAPH_SNAPSHOT), [])
    assert "microsoft.graph.call" in model.bound_operations
    assert _built(docs) == 0
    ops = model.bound_operations["microsoft.graph.call"]
    assert ops and all(str(op.binding) == "microsoft.graph.call" for op in ops)
    assert _built(docs) == len(ops)


def test_overlay_builds_only_the_replaced_types() -> None:
    base, overlay = shared_path(GRAPH_SNAPSHOT), shared_path(CALLS_OVERLAY)
    model, docs = _lazy(base, [overlay])
    # Each replaced type is built twice (base and overlay version) for its member diff.
    assert model.overlay.replaced
    assert _built(docs) == 2 * len(model.overlay.replaced)


def test_diagnostics_are_complete_when_asked_for_first() -> None:
    model = load_model(shared_path(GRAPH_SNAPSHOT), [shared_path(CALLS_OVERLAY)])
    eager = _eager(shared_path(GRAPH_SNAPSHOT), [shared_path(CALLS_OVERLAY)])
    assert model.diagnostics == eager.diagnostics


def test_lazy_document_reads_like_read_document() -> None:
    for name in ("full.xml", "defects.xml", "overlay_a.xml"):
        path = CSDL_FIXTURES / name
        doc = LazyDocument(load_file(path), overlay=name.startswith("overlay"))
        assert doc.document() == read_document(path, overlay=name.startswith("overlay"))


def test_lazy_mapping_builds_on_lookup_only() -> None:
    built: list[str] = []

    def build(k: str) -> str:
        built.append(k)
        return k.upper()

    m = LazyMapping(["b", "a"], build)
    assert list(m) == ["b", "a"] and len(m) == 2 and "a" in m and "z" not in m
    assert built == []
    assert m["a"] == "A" and m.get("a") == "A" and m.get("z") is None
    assert built == ["a"]
    with pytest.raises(KeyError):
        m["z"]
    assert dict(m) == {"b": "B", "a": "A"}
    assert built == ["a", "b"]


def test_model_types_are_structured_records() -> None:
    model = load_model(CSDL_FIXTURES / "full.xml")
    assert all(isinstance(t, StructuredType) for t in model.iter_structured())


def test_load_model_refuses_hostile_and_non_csdl_input_up_front(tmp_path: Path) -> None:
    dtd = tmp_path / "dtd.xml"
    dtd.write_text('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
    with pytest.raises(MetadataError, match="DTD"):
        load_model(dtd)
    wrong = tmp_path / "wrong.xml"
    wrong.write_text("<notEdmx/>")
    with pytest.raises(MetadataError, match="not edmx:Edmx"):
        load_model(wrong)
