"""The one model path (`codegen.resolve`): records built on demand, and an index that agrees
with them.

What `resolve` knows before building a record (names, base types, bindings, annotation targets)
is read from one or two attributes of the index; every test here compares those answers with
what the built records say, and counts the records a lookup builds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.closure import closure
from codegen.csdl import read_document
from codegen.lazy import LazyMapping
from codegen.lazy_document import LazyDocument
from codegen.model import Annotation, Model, Operation, SchemaType, StructuredType
from codegen.plan import plan_package
from codegen.resolve import collect_annotations, resolve
from codegen.sources import load_model, load_sources
from codegen.xmlsafe import MetadataError, load_file
from tests.conftest import CALLS_OVERLAY, CSDL_FIXTURES, GRAPH_SNAPSHOT, shared_path
from tests.factories import edmx, model_from_text, schema

FIXTURE_INPUTS = [
    ("full.xml",),
    ("defects.xml",),
    ("full.xml", "overlay_a.xml", "overlay_b.xml"),
    ("defects.xml", "overlay_a.xml"),
]


def _docs(base: Path, overlays: list[Path]) -> list[LazyDocument]:
    return [LazyDocument(load_file(base))] + [
        LazyDocument(load_file(o), overlay=True) for o in overlays
    ]


def _model(base: Path, overlays: list[Path] | None = None) -> tuple[Model, list[LazyDocument]]:
    docs = _docs(base, overlays or [])
    return resolve(docs[0], docs[1:]), docs


def _built(docs: list[LazyDocument]) -> int:
    return sum(d.built_count for d in docs)


def assert_index_agrees_with_records(model: Model) -> None:
    """Everything the model answered from the index equals what its built records say."""
    schemas = model.schemas
    types: dict[str, SchemaType] = {t.qname: t for s in schemas for t in s.types}
    assert list(model.types.items()) == list(types.items())
    operations: dict[str, list[Operation]] = defaultdict(list)
    for s in schemas:
        for op in s.operations:
            operations[op.qname].append(op)
    assert {k: list(v) for k, v in model.operations.items()} == operations
    assert dict(model.terms) == {t.qname: t for s in schemas for t in s.terms}
    bound: dict[str, list[Operation]] = defaultdict(list)
    for ops in operations.values():
        for op in ops:
            if op.binding is not None:
                bound[str(op.binding)].append(op)
    assert {k: list(v) for k, v in model.bound_operations.items()} == bound
    assert list(model.bound_operations) == sorted(bound)
    derived: dict[str, list[str]] = defaultdict(list)
    for t in types.values():
        if isinstance(t, StructuredType) and t.base:
            derived[t.base].append(t.qname)
    assert model.derived == {k: tuple(sorted(v)) for k, v in sorted(derived.items())}
    assert model.containers == tuple(c for s in schemas for c in s.containers)
    whole = collect_annotations(schemas)
    for target, expected in whole.items():
        assert model.annotations_of(target) == expected, target
    assert dict(model.annotations) == whole


@pytest.mark.parametrize("names", FIXTURE_INPUTS, ids=lambda n: "+".join(n))
def test_index_agrees_with_records_on_fixtures(names: tuple[str, ...]) -> None:
    paths = [CSDL_FIXTURES / n for n in names]
    model, _ = _model(paths[0], paths[1:])
    assert_index_agrees_with_records(model)


@pytest.mark.parametrize("name", ["full.xml", "defects.xml"])
def test_schemas_of_one_document_are_the_reader_s(name: str) -> None:
    path = CSDL_FIXTURES / name
    model, _ = _model(path)
    document = read_document(path)
    assert model.schemas == document.schemas
    assert model.diagnostics[: len(document.diagnostics)] == document.diagnostics


@pytest.mark.slow
def test_index_agrees_with_records_on_the_snapshot_with_overlay() -> None:
    model, _ = _model(shared_path(GRAPH_SNAPSHOT), [shared_path(CALLS_OVERLAY)])
    assert_index_agrees_with_records(model)


def test_load_model_builds_one_type_when_one_is_read() -> None:
    base = shared_path(GRAPH_SNAPSHOT)
    model, docs = _model(base)
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
    model, docs = _model(shared_path(GRAPH_SNAPSHOT))
    chain = model.base_chain("microsoft.graph.user")
    assert [t.qname for t in chain][-1] == "microsoft.graph.entity"
    assert model.all_properties("microsoft.graph.user")[0].name == "id"
    assert _built(docs) == len(chain)


def test_bound_operations_build_only_what_is_looked_up() -> None:
    model, docs = _model(shared_path(GRAPH_SNAPSHOT))
    assert "microsoft.graph.call" in model.bound_operations
    assert _built(docs) == 0
    ops = model.bound_operations["microsoft.graph.call"]
    assert ops and all(str(op.binding) == "microsoft.graph.call" for op in ops)
    assert _built(docs) == len(ops)


def test_overlay_builds_only_the_replaced_types() -> None:
    model, docs = _model(shared_path(GRAPH_SNAPSHOT), [shared_path(CALLS_OVERLAY)])
    # Each replaced type is built twice (base and overlay version) for its member diff.
    assert model.overlay.replaced
    assert _built(docs) == 2 * len(model.overlay.replaced)


def test_an_annotation_lookup_builds_its_owner_and_its_blocks_only() -> None:
    model, docs = _model(shared_path(GRAPH_SNAPSHOT))
    found = model.annotations_of("microsoft.graph.user/calendar")
    blocks = [b for b in docs[0].reader.index()[0].entries if b.tag.endswith("}Annotations")]
    aimed = [
        b for b in blocks if docs[0].reader.annotations_target(b) == "microsoft.graph.user/calendar"
    ]
    # The snapshot documents `call.state` in an external block; the lookup builds the type
    # that declares `state` and the blocks aimed at it, out of several thousand.
    assert found and len(blocks) > 1000
    assert _built(docs) == 1 + len(aimed)
    assert model.annotations_of("microsoft.graph.call/noSuchMember") == ()
    assert model.annotations_of("no.such.Type") == ()


@pytest.mark.slow
def test_a_calls_closure_builds_a_small_part_of_the_model_and_plans_the_same() -> None:
    sources = load_sources()
    paths = [sources.base.path, *(o.path for o in sources.overlays)]
    if not all(p.is_file() for p in paths):
        shared_path(GRAPH_SNAPSHOT)
    model, docs = _model(paths[0], paths[1:])
    plan = plan_package(model, closure(model, sources.roots))
    entries = sum(len(s.entries) for d in docs for s in d.schemas)
    assert 0 < _built(docs) < entries / 10, (_built(docs), entries)
    # Building everything first changes nothing in the plan.
    whole, _ = _model(paths[0], paths[1:])
    assert whole.diagnostics and whole.schemas
    assert plan_package(whole, closure(whole, sources.roots)) == plan


def test_a_namespace_declared_twice_is_one_namespace() -> None:
    text = edmx(
        schema(
            "t",
            '<ComplexType Name="a" />\n<Annotations Target="t.a"><Annotation '
            'Term="Core.Description" String="first" /></Annotations>',
        ),
        schema(
            "t",
            '<ComplexType Name="b"><Annotation Term="Core.Description" String="b" /></ComplexType>',
        ),
    )
    model = model_from_text(text)
    assert [s.namespace for s in model.schemas] == ["t"]
    assert [t.qname for t in model.schemas[0].types] == ["t.a", "t.b"]
    assert [a.value for a in model.annotations_of("t.a")] == ["first"]
    assert_index_agrees_with_records(model)


_NAMES = st.sampled_from(["a", "b", "c"])
_MEMBERS = st.sampled_from(["x", "y"])


@st.composite
def _documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A base and up to two overlays: types with members and inline annotations, and external
    blocks aimed at types, members, containers or nothing, written with or without the alias."""

    def note(text: str) -> str:
        return f'<Annotation Term="Core.Description" String="{text}" />'

    def document(tag: str, with_container: bool) -> str:
        namespaces = draw(st.lists(st.sampled_from(["n.one", "n.two"]), min_size=1, max_size=3))
        schemas = []
        for i, ns in enumerate(namespaces):
            alias = "A" if ns == "n.one" else None
            body = []
            for name in draw(st.lists(_NAMES, max_size=3)):
                members = "".join(
                    f'<Property Name="{m}" Type="Edm.String">'
                    f"{note(f'{tag}{i}{name}{m}') if draw(st.booleans()) else ''}</Property>"
                    for m in draw(st.lists(_MEMBERS, max_size=2, unique=True))
                )
                own = note(f"{tag}{i}{name}") if draw(st.booleans()) else ""
                body.append(f'<ComplexType Name="{name}">{own}{members}</ComplexType>')
            if with_container and i == 0:
                own = note(f"{tag}c") if draw(st.booleans()) else ""
                body.append(
                    f'<EntityContainer Name="box">{own}<Singleton Name="x" Type="{ns}.a">'
                    f"{note(f'{tag}x') if draw(st.booleans()) else ''}</Singleton>"
                    "</EntityContainer>"
                )
            for j in range(draw(st.integers(0, 3))):
                head = draw(st.sampled_from([ns, "A", "n.other"] if alias else [ns, "n.other"]))
                target = f"{head}.{draw(st.sampled_from(['a', 'b', 'box']))}"
                if draw(st.booleans()):
                    target += "/" + draw(st.sampled_from(["x", "y", "z"]))
                body.append(f'<Annotations Target="{target}">{note(f"{tag}{i}b{j}")}</Annotations>')
            schemas.append(schema(ns, "\n".join(body), alias))
        return edmx(*schemas)

    base = document("B", True)
    overlays = [document(f"O{k}", False) for k in range(draw(st.integers(0, 2)))]
    return base, overlays


@settings(max_examples=40, deadline=None)
@given(_documents())
def test_annotation_index_agrees_with_the_records(documents: tuple[str, list[str]]) -> None:
    base, overlays = documents
    model = model_from_text(base, *overlays)
    # Asked target by target first, before anything else is built.
    whole_targets = [
        f"{ns}.{t}{member}"
        for ns in ("n.one", "n.two", "n.other")
        for t in ("a", "b", "c", "box")
        for member in ("", "/x", "/y", "/z")
    ]
    found = {t: model.annotations_of(t) for t in whole_targets}
    whole = collect_annotations(model.schemas)
    for target, got in found.items():
        assert got == whole.get(target, ()), target
    assert all(isinstance(a, Annotation) for anns in found.values() for a in anns)
    assert set(whole) <= set(whole_targets)


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
    with pytest.raises(MetadataError, match="not edmx:Edmx"):
        model_from_text("<notEdmx/>")
