"""`codegen diff`: each kind of change from small inline documents, the command line, the
five-edit acceptance test on today's v1.0, and property-based symmetry checks."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from codegen.cli import main
from codegen.diff import CHANGE_KINDS, MIRROR, Change, diff_models
from codegen.sources import load_model
from tests.conftest import shared_path

EDM = "http://docs.oasis-open.org/odata/ns/edm"


def document(body: str, container: str = "", namespace: str = "microsoft.graph") -> str:
    """A whole CSDL document around `body` (schema children) and `container` (its children)."""
    return (
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
        f'<edmx:DataServices><Schema Namespace="{namespace}" Alias="graph" xmlns="{EDM}">'
        f'{body}<EntityContainer Name="GraphService">{container}</EntityContainer>'
        "</Schema></edmx:DataServices></edmx:Edmx>"
    )


BASE_BODY = """
<EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id"/></Key>
  <Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
<EntityType Name="call" BaseType="graph.entity" OpenType="true">
  <Property Name="callChainId" Type="Edm.String"/>
  <Property Name="myParticipantId" Type="Edm.String"/>
  <Property Name="requestedModalities" Type="Collection(graph.modality)"/>
  <Property Name="mediaConfig" Type="graph.mediaConfig"/>
  <Property Name="subject" Type="Edm.String" MaxLength="100"/>
  <NavigationProperty Name="participants" Type="Collection(graph.participant)"
      ContainsTarget="true"/>
</EntityType>
<EntityType Name="participant" BaseType="graph.entity">
  <Property Name="isMuted" Type="Edm.Boolean"/></EntityType>
<ComplexType Name="mediaConfig" Abstract="true"/>
<ComplexType Name="appHostedMediaConfig" BaseType="graph.mediaConfig">
  <Property Name="blob" Type="Edm.String"/></ComplexType>
<EnumType Name="modality"><Member Name="audio" Value="1"/><Member Name="video" Value="2"/>
  <Member Name="videoBasedScreenSharing" Value="3"/></EnumType>
<Action Name="answer" IsBound="true">
  <Parameter Name="bindingParameter" Type="graph.call"/>
  <Parameter Name="callbackUri" Type="Edm.String" Nullable="false"/>
  <Parameter Name="acceptedModalities" Type="Collection(graph.modality)"/>
</Action>
<Function Name="delta" IsBound="true"><Parameter Name="bindingParameter"
  Type="Collection(graph.call)"/><ReturnType Type="Collection(graph.call)"/></Function>
<Function Name="range" IsBound="true"><Parameter Name="bindingParameter" Type="graph.call"/>
  <ReturnType Type="graph.call"/></Function>
<Function Name="range" IsBound="true"><Parameter Name="bindingParameter" Type="graph.call"/>
  <Parameter Name="address" Type="Edm.String"/><ReturnType Type="graph.call"/></Function>
<Annotations Target="graph.call/subject">
  <Annotation Term="Org.OData.Core.V1.Description" String="The subject."/></Annotations>
"""
BASE_CONTAINER = (
    '<EntitySet Name="calls" EntityType="graph.call"/>'
    '<Singleton Name="me" Type="graph.participant"/>'
)
BASE = document(BASE_BODY, BASE_CONTAINER)


def changes_between(
    tmp_path: Path, old: str, new: str, roots: tuple[str, ...] = ()
) -> list[Change]:
    """Write both documents and diff them."""
    (tmp_path / "old.xml").write_text(old, encoding="utf-8")
    (tmp_path / "new.xml").write_text(new, encoding="utf-8")
    return diff_models(load_model(tmp_path / "old.xml"), load_model(tmp_path / "new.xml"), roots)


def edited(old: str, new: str, count: int = 1) -> str:
    """BASE with one textual edit, checked to apply."""
    assert BASE.count(old) == count, old
    return BASE.replace(old, new)


def triples(changes: list[Change]) -> set[tuple[str, str, str]]:
    return {(c.element, c.change, c.impact) for c in changes}


def test_identical_documents_have_no_changes(tmp_path: Path) -> None:
    assert changes_between(tmp_path, BASE, BASE) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '<ComplexType Name="mediaConfig" Abstract="true"/>',
            '<ComplexType Name="mediaConfig" Abstract="true"/><ComplexType Name="x"/>',
            {("microsoft.graph.x", "type added", "additive")},
        ),
        (
            '<EntityType Name="participant" BaseType="graph.entity">\n'
            '  <Property Name="isMuted" Type="Edm.Boolean"/></EntityType>',
            '<EntityType Name="participant" BaseType="graph.entity"/>',
            {("microsoft.graph.participant/isMuted", "property removed", "breaking")},
        ),
        (
            '<ComplexType Name="mediaConfig" Abstract="true"/>',
            '<ComplexType Name="mediaConfig"/>',
            {("microsoft.graph.mediaConfig", "abstract changed", "additive")},
        ),
        (
            '<ComplexType Name="appHostedMediaConfig" BaseType="graph.mediaConfig">',
            '<ComplexType Name="appHostedMediaConfig" BaseType="graph.mediaConfig" '
            'Abstract="true">',
            {("microsoft.graph.appHostedMediaConfig", "abstract changed", "breaking")},
        ),
        (
            'BaseType="graph.entity" OpenType="true"',
            'BaseType="graph.entity"',
            {("microsoft.graph.call", "open changed", "breaking")},
        ),
        (
            '<ComplexType Name="appHostedMediaConfig" BaseType="graph.mediaConfig">',
            '<ComplexType Name="appHostedMediaConfig">',
            {("microsoft.graph.appHostedMediaConfig", "base type changed", "breaking")},
        ),
        (
            '<Property Name="callChainId" Type="Edm.String"/>',
            '<Property Name="callChainId" Type="Edm.String" Nullable="false"/>',
            {("microsoft.graph.call/callChainId", "property nullability changed", "breaking")},
        ),
        (
            '<Property Name="myParticipantId" Type="Edm.String"/>',
            '<Property Name="myParticipantId" Type="Collection(Edm.String)"/>',
            {("microsoft.graph.call/myParticipantId", "property collection changed", "breaking")},
        ),
        (
            'MaxLength="100"',
            'MaxLength="50"',
            {("microsoft.graph.call/subject", "property facets changed", "breaking")},
        ),
        (
            'MaxLength="100"',
            'MaxLength="200"',
            {("microsoft.graph.call/subject", "property facets changed", "none")},
        ),
        (
            '<Property Name="isMuted" Type="Edm.Boolean"/>',
            '<Property Name="isMuted" Type="Edm.Boolean"/>'
            '<Property Name="role" Type="Edm.String" Nullable="false"/>',
            {("microsoft.graph.participant/role", "property added", "breaking")},
        ),
        (
            '<Property Name="isMuted" Type="Edm.Boolean"/>',
            '<Property Name="isMuted" Type="Edm.Boolean"/>'
            '<Property Name="role" Type="Edm.String" Nullable="false">'
            '<Annotation Term="Org.OData.Core.V1.Computed" Bool="true"/></Property>',
            {("microsoft.graph.participant/role", "property added", "additive")},
        ),
        (
            '<Member Name="video" Value="2"/>',
            '<Member Name="video" Value="2"/><Member Name="data" Value="4"/>',
            {("microsoft.graph.modality/data", "enum member added", "additive")},
        ),
        (
            '<EnumType Name="modality">',
            '<EnumType Name="modality" IsFlags="true">',
            {("microsoft.graph.modality", "enum flags changed", "breaking")},
        ),
        (
            'ContainsTarget="true"/>',
            "/>",
            {("microsoft.graph.call/participants", "containment changed", "breaking")},
        ),
        (
            'Type="Collection(graph.participant)"',
            'Type="Collection(graph.call)"',
            {("microsoft.graph.call/participants", "navigation type changed", "breaking")},
        ),
        (
            '<Parameter Name="callbackUri" Type="Edm.String" Nullable="false"/>',
            '<Parameter Name="callbackUri" Type="Edm.String" Nullable="false"/>'
            '<Parameter Name="callbackDelay" Type="Edm.Int32"/>',
            {
                (
                    "microsoft.graph.answer(microsoft.graph.call)/callbackDelay",
                    "parameter added",
                    "additive",
                )
            },
        ),
        (
            '<Parameter Name="callbackUri" Type="Edm.String" Nullable="false"/>',
            '<Parameter Name="callbackUri" Type="Edm.String" Nullable="false"/>'
            '<Parameter Name="token" Type="Edm.String" Nullable="false"/>',
            {("microsoft.graph.answer(microsoft.graph.call)/token", "parameter added", "breaking")},
        ),
        (
            '<Parameter Name="callbackUri" Type="Edm.String" Nullable="false"/>',
            '<Parameter Name="callbackUri" Type="Edm.String"/>',
            {
                (
                    "microsoft.graph.answer(microsoft.graph.call)/callbackUri",
                    "parameter nullability changed",
                    "breaking",
                )
            },
        ),
        (
            '<ReturnType Type="Collection(graph.call)"/>',
            '<ReturnType Type="Collection(graph.participant)"/>',
            {
                (
                    "microsoft.graph.delta(Collection(microsoft.graph.call))",
                    "return type changed",
                    "breaking",
                )
            },
        ),
        (
            '<Action Name="answer" IsBound="true">',
            '<Action Name="reject" IsBound="true">',
            {
                ("microsoft.graph.answer(microsoft.graph.call)", "action removed", "breaking"),
                ("microsoft.graph.reject(microsoft.graph.call)", "action added", "additive"),
            },
        ),
        (
            '<Parameter Name="address" Type="Edm.String"/>',
            '<Parameter Name="column" Type="Edm.String"/>',
            {
                (
                    "microsoft.graph.range(microsoft.graph.call;address)",
                    "function removed",
                    "breaking",
                ),
                (
                    "microsoft.graph.range(microsoft.graph.call;column)",
                    "function added",
                    "additive",
                ),
            },
        ),
        (
            '<EntitySet Name="calls" EntityType="graph.call"/>',
            '<EntitySet Name="calls" EntityType="graph.participant"/>',
            {("microsoft.graph.GraphService/calls", "entity set type changed", "breaking")},
        ),
        (
            '<Singleton Name="me" Type="graph.participant"/>',
            "",
            {("microsoft.graph.GraphService/me", "singleton removed", "breaking")},
        ),
        (
            '<EntitySet Name="calls" EntityType="graph.call"/>',
            '<EntitySet Name="calls" EntityType="graph.call"/>'
            '<EntitySet Name="participants" EntityType="graph.participant"/>',
            {("microsoft.graph.GraphService/participants", "entity set added", "additive")},
        ),
        (
            'String="The subject."',
            'String="What the call is about."',
            {("microsoft.graph.call/subject", "description changed", "none")},
        ),
    ],
)
def test_each_kind_of_change(tmp_path: Path, old: str, new: str, expected: set[object]) -> None:
    assert triples(changes_between(tmp_path, BASE, edited(old, new))) == expected


def test_a_property_moved_to_the_base_keeps_its_attribute(tmp_path: Path) -> None:
    new = edited('<Property Name="blob" Type="Edm.String"/></ComplexType>', "</ComplexType>")
    new = new.replace(
        '<ComplexType Name="mediaConfig" Abstract="true"/>',
        '<ComplexType Name="mediaConfig" Abstract="true">'
        '<Property Name="blob" Type="Edm.String"/></ComplexType>',
    )
    found = triples(changes_between(tmp_path, BASE, new))
    assert found == {
        ("microsoft.graph.appHostedMediaConfig/blob", "property moved to base", "none"),
        ("microsoft.graph.mediaConfig/blob", "property added", "additive"),
    }


def test_a_base_put_in_between_is_additive(tmp_path: Path) -> None:
    new = edited(
        '<EntityType Name="participant" BaseType="graph.entity">',
        '<EntityType Name="participant" BaseType="graph.person">',
    ).replace(
        '<ComplexType Name="mediaConfig"',
        '<EntityType Name="person" BaseType="graph.entity"/><ComplexType Name="mediaConfig"',
    )
    found = triples(changes_between(tmp_path, BASE, new))
    assert ("microsoft.graph.participant", "base type changed", "additive") in found


def test_python_names_follow_the_generator(tmp_path: Path) -> None:
    new = edited('<Member Name="videoBasedScreenSharing" Value="3"/>', "").replace(
        '<Property Name="callChainId" Type="Edm.String"/>', ""
    )
    by_element = {c.element: c.python for c in changes_between(tmp_path, BASE, new)}
    assert by_element == {
        "microsoft.graph.call/callChainId": "microsoft_graph.Call.call_chain_id",
        "microsoft.graph.modality/videoBasedScreenSharing": (
            "microsoft_graph.Modality.VIDEO_BASED_SCREEN_SHARING"
        ),
    }
    new = edited('<Parameter Name="callbackUri" Type="Edm.String" Nullable="false"/>', "")
    (change,) = changes_between(tmp_path, BASE, new)
    assert change.python == "microsoft_graph.CallAnswerParameters.callback_uri"


def test_roots_limit_the_report_to_their_closure(tmp_path: Path) -> None:
    new = edited('<Member Name="video" Value="2"/>', "").replace(
        '<Property Name="isMuted" Type="Edm.Boolean"/>', ""
    )
    # `participant` is a navigation target of `call`, `modality` a property type.
    everything = triples(changes_between(tmp_path, BASE, new))
    assert len(everything) == 2
    assert triples(changes_between(tmp_path, BASE, new, ("microsoft.graph.call",))) == everything
    only = triples(changes_between(tmp_path, BASE, new, ("microsoft.graph.participant",)))
    assert only == {("microsoft.graph.participant/isMuted", "property removed", "breaking")}


ANSWER_NOTE = (
    '<Annotations Target="graph.answer(graph.call, Edm.String, Collection(graph.modality))">'
    '<Annotation Term="Org.OData.Core.V1.Description" String="{}"/></Annotations>'
)


def test_operation_annotations_follow_their_operation(tmp_path: Path) -> None:
    old = BASE.replace("</Schema>", ANSWER_NOTE.format("Answer a call.") + "</Schema>")
    new = old.replace(
        '<Action Name="answer" IsBound="true">', '<Action Name="pick" IsBound="true">'
    )
    assert triples(changes_between(tmp_path, old, new)) == {
        ("microsoft.graph.answer(microsoft.graph.call)", "action removed", "breaking"),
        ("microsoft.graph.pick(microsoft.graph.call)", "action added", "additive"),
    }
    new = old.replace("Answer a call.", "Answer an incoming call.")
    (change,) = changes_between(tmp_path, old, new, ("microsoft.graph.call",))
    assert (change.change, change.python) == (
        "description changed",
        "microsoft_graph.CallAnswerParameters",
    )


def test_text_from_the_document_is_printed_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.xml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b.xml").write_text(
        edited("The subject.", "Evil \u202e reversed\t\ttabs"), encoding="utf-8"
    )
    for style in ([], ["--markdown"]):
        assert main(["diff", str(tmp_path / "a.xml"), str(tmp_path / "b.xml"), *style]) == 0
        out = capsys.readouterr().out
        assert "\u202e" not in out and "Evil \\u202e reversed tabs" in out


def test_every_reported_kind_is_documented() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for kind in CHANGE_KINDS:
        assert f"`{kind}`" in readme, kind


# -- command line ---------------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.xml", tmp_path / "new.xml"
    old.write_text(BASE, encoding="utf-8")
    new.write_text(
        edited('<Property Name="callChainId" Type="Edm.String"/>', "").replace(
            '<ComplexType Name="mediaConfig" Abstract="true"/>',
            '<ComplexType Name="mediaConfig" Abstract="true"/><ComplexType Name="extra"/>',
        ),
        encoding="utf-8",
    )
    return old, new


def test_cli_json_names_sides_and_counts(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(pair[0]), str(pair[1]), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [c["change"] for c in report["changes"]] == ["property removed", "type added"]
    assert set(report["changes"][0]) == {"element", "change", "impact", "python", "old", "new"}
    assert report["summary"]["breaking"] == 1 and report["summary"]["additive"] == 1
    assert report["old"]["name"] == "old.xml" and len(report["old"]["sha256"]) == 64
    assert "/" not in json.dumps(report["old"]) + json.dumps(report["new"])


def test_cli_text_and_markdown_put_breaking_first(
    pair: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    main(["diff", str(pair[0]), str(pair[1])])
    text = capsys.readouterr().out
    assert "2 changes: 1 breaking, 1 additive, 0 none" in text
    assert text.index("BREAKING (1)") < text.index("ADDITIVE (1)")
    main(["diff", str(pair[0]), str(pair[1]), "--markdown"])
    markdown = capsys.readouterr().out
    assert "### Breaking (1)" in markdown
    assert "- property removed: `microsoft.graph.call/callChainId`" in markdown


@pytest.mark.parametrize(
    ("fail_on", "same", "status"),
    [("breaking", False, 1), ("additive", False, 1), ("breaking", True, 0), (None, False, 0)],
)
def test_cli_fail_on(pair: tuple[Path, Path], fail_on: str | None, same: bool, status: int) -> None:
    args = ["diff", str(pair[0]), str(pair[0] if same else pair[1]), "--json"]
    assert main(args + (["--fail-on", fail_on] if fail_on else [])) == status


def test_cli_fail_on_additive_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.xml").write_text(BASE)
    (tmp_path / "b.xml").write_text(
        edited("</EnumType>", '<Member Name="x" Value="9"/></EnumType>')
    )
    a, b = str(tmp_path / "a.xml"), str(tmp_path / "b.xml")
    assert main(["diff", a, b, "--fail-on", "breaking"]) == 0
    assert main(["diff", a, b, "--fail-on", "additive"]) == 1


def test_cli_overlays_apply_to_their_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, overlay = tmp_path / "base.xml", tmp_path / "overlay.xml"
    base.write_text(BASE, encoding="utf-8")
    overlay.write_text(
        document(
            '<EntityType Name="participant" BaseType="graph.entity">'
            '<Property Name="isMuted" Type="Edm.Boolean"/>'
            '<Property Name="isInLobby" Type="Edm.Boolean"/></EntityType>'
        ),
        encoding="utf-8",
    )
    main(["diff", str(base), str(base), "--new-overlay", str(overlay), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert [(c["element"], c["change"]) for c in report["changes"]] == [
        ("microsoft.graph.participant/isInLobby", "property added")
    ]
    assert report["new"]["overlays"][0]["name"] == "overlay.xml"
    main(["diff", str(base), str(base), "--overlay", str(overlay), "--new-overlay", str(overlay)])
    assert "0 changes" in capsys.readouterr().out
    main(["diff", str(base), str(base), "--overlay", str(overlay), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert [(c["change"], c["impact"]) for c in report["changes"]] == [
        ("property removed", "breaking")
    ]


def test_cli_bad_input_exits_2_naming_the_file(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.xml"
    assert main(["diff", str(pair[0]), str(missing)]) == 2
    err = capsys.readouterr().err.strip()
    assert "missing.xml" in err and len(err.splitlines()) == 1
    assert main(["diff", str(tmp_path), str(pair[1])]) == 2
    err = capsys.readouterr().err.strip()
    assert str(tmp_path) in err and len(err.splitlines()) == 1
    hostile = tmp_path / "hostile.xml"
    hostile.write_text('<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>')
    assert main(["diff", str(hostile), str(pair[1])]) == 2
    err = capsys.readouterr().err.strip()
    assert "hostile.xml" in err and len(err.splitlines()) == 1
    assert main(["diff", str(pair[0]), str(pair[1]), "--root", "microsoft.graph.nothing"]) == 2
    assert "microsoft.graph.nothing" in capsys.readouterr().err


# -- the five edits of the issue, on today's v1.0 ----------------------------------------------


def _five_edits(source: Path, target: Path) -> None:
    tree = etree.parse(str(source))
    ns = {"e": EDM}
    (schema,) = tree.xpath("//e:Schema[@Namespace='microsoft.graph']", namespaces=ns)
    (call,) = schema.xpath("e:EntityType[@Name='call']", namespaces=ns)
    (chain,) = call.xpath("e:Property[@Name='callChainId']", namespaces=ns)
    call.remove(chain)
    (mine,) = call.xpath("e:Property[@Name='myParticipantId']", namespaces=ns)
    mine.set("Type", "Edm.Int32")
    consent = etree.SubElement(call, f"{{{EDM}}}Property")
    consent.set("Name", "isRecordingConsentRequired")
    consent.set("Type", "Edm.Boolean")
    (modality,) = schema.xpath("e:EnumType[@Name='modality']", namespaces=ns)
    (member,) = modality.xpath("e:Member[@Name='videoBasedScreenSharing']", namespaces=ns)
    modality.remove(member)
    edge = etree.SubElement(schema, f"{{{EDM}}}ComplexType")
    edge.set("Name", "edgeHostedMediaConfig")
    edge.set("BaseType", "microsoft.graph.mediaConfig")
    tree.write(str(target), xml_declaration=True, encoding="utf-8")


@pytest.mark.slow
def test_five_edits_on_todays_v1(tmp_path: Path) -> None:
    source = shared_path("graph-v1.0-2026-08-03.xml")
    edited_copy = tmp_path / "graph-v1.0-edited.xml"
    _five_edits(source, edited_copy)
    old, new = load_model(source), load_model(edited_copy)
    changes = diff_models(old, new)
    # The calls closure holds all five: `modality` and `mediaConfig` (with its subtypes) are
    # property types of `call`.
    assert diff_models(old, new, ("microsoft.graph.call",)) == changes
    assert {(c.element, c.change, c.impact, c.python) for c in changes} == {
        (
            "microsoft.graph.call/isRecordingConsentRequired",
            "property added",
            "additive",
            "microsoft_graph.Call.is_recording_consent_required",
        ),
        (
            "microsoft.graph.call/callChainId",
            "property removed",
            "breaking",
            "microsoft_graph.Call.call_chain_id",
        ),
        (
            "microsoft.graph.call/myParticipantId",
            "property type changed",
            "breaking",
            "microsoft_graph.Call.my_participant_id",
        ),
        (
            "microsoft.graph.modality/videoBasedScreenSharing",
            "enum member removed",
            "breaking",
            "microsoft_graph.Modality.VIDEO_BASED_SCREEN_SHARING",
        ),
        (
            "microsoft.graph.edgeHostedMediaConfig",
            "type added",
            "additive",
            "microsoft_graph.EdgeHostedMediaConfig",
        ),
    }
    (typed,) = [c for c in changes if c.change == "property type changed"]
    assert (typed.old, typed.new) == ("Edm.String", "Edm.Int32")


# -- properties of any pair of documents --------------------------------------------------------

NAMES = st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon"])
PRIMITIVES = ["Edm.String", "Edm.Int32", "Edm.Boolean", "Edm.Guid"]


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A small valid document: structured types over earlier ones, an enum, bound actions."""
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    enum_members = draw(st.lists(NAMES, max_size=3, unique=True))
    body = ['<EnumType Name="kind">']
    body += [f'<Member Name="{m}" Value="{i}"/>' for i, m in enumerate(enum_members)]
    body.append("</EnumType>")
    entities = []
    for i, name in enumerate(names):
        entity = draw(st.booleans())
        tag = "EntityType" if entity else "ComplexType"
        earlier = [n for n in names[:i]]
        base = draw(st.sampled_from([None, *earlier]))
        attrs = f' Name="T{name}"'
        attrs += f' BaseType="graph.T{base}"' if base else ""
        attrs += ' Abstract="true"' if draw(st.booleans()) else ""
        attrs += ' OpenType="true"' if draw(st.booleans()) else ""
        body.append(f"<{tag}{attrs}>")
        if entity and base is None:
            body.append(
                '<Key><PropertyRef Name="id"/></Key>'
                '<Property Name="id" Type="Edm.String" Nullable="false"/>'
            )
        for prop in draw(st.lists(NAMES, max_size=3, unique=True)):
            ptype = draw(
                st.sampled_from([*PRIMITIVES, "graph.kind", *(f"graph.T{n}" for n in names)])
            )
            if draw(st.booleans()):
                ptype = f"Collection({ptype})"
            nullable = ' Nullable="false"' if draw(st.booleans()) else ""
            body.append(f'<Property Name="{prop}" Type="{ptype}"{nullable}>')
            if draw(st.booleans()):
                text = draw(st.sampled_from(["One.", "Two.", 'Quoted "x".']))
                text = text.replace('"', "&quot;")
                body.append(f'<Annotation Term="Org.OData.Core.V1.Description" String="{text}"/>')
            body.append("</Property>")
        if entity:
            for nav in draw(st.lists(NAMES, max_size=2, unique=True)):
                target = draw(st.sampled_from(names))
                many = draw(st.booleans())
                ntype = f"Collection(graph.T{target})" if many else f"graph.T{target}"
                contained = ' ContainsTarget="true"' if draw(st.booleans()) else ""
                body.append(f'<NavigationProperty Name="n{nav}" Type="{ntype}"{contained}/>')
        body.append(f"</{tag}>")
        if entity:
            entities.append(name)
    container = []
    for name in entities:
        for action in draw(st.lists(NAMES, max_size=2, unique=True)):
            body.append(
                f'<Action Name="do{action}" IsBound="true">'
                f'<Parameter Name="bindingParameter" Type="graph.T{name}"/>'
            )
            for param in draw(st.lists(NAMES, max_size=2, unique=True)):
                nullable = ' Nullable="false"' if draw(st.booleans()) else ""
                ptype = draw(st.sampled_from(PRIMITIVES))
                body.append(f'<Parameter Name="{param}" Type="{ptype}"{nullable}/>')
            body.append("</Action>")
        # Overloads of one function differ by parameter names.
        for params in draw(st.lists(st.sampled_from(["", "a", "a,b"]), max_size=2, unique=True)):
            body.append(
                f'<Function Name="get" IsBound="true">'
                f'<Parameter Name="bindingParameter" Type="graph.T{name}"/>'
                + "".join(
                    f'<Parameter Name="{p}" Type="Edm.String"/>' for p in params.split(",") if p
                )
                + '<ReturnType Type="Edm.String"/></Function>'
            )
        if draw(st.booleans()):
            container.append(f'<EntitySet Name="set{name}" EntityType="graph.T{name}"/>')
    return document("".join(body), "".join(container))


def _diff_texts(tmp_path: Path, a: str, b: str) -> list[Change]:
    return changes_between(tmp_path, a, b)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(documents())
def test_a_document_against_itself_has_no_changes(tmp_path: Path, a: str) -> None:
    assert _diff_texts(tmp_path, a, a) == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(documents(), documents())
def test_diffs_both_ways_are_mirror_images(tmp_path: Path, a: str, b: str) -> None:
    forward = _diff_texts(tmp_path, a, b)
    backward = _diff_texts(tmp_path, b, a)
    mirrored = sorted((c.element, MIRROR[c.change], c.new, c.old) for c in forward)
    assert mirrored == sorted((c.element, c.change, c.old, c.new) for c in backward)
    # Deterministic: the same inputs give the same report in the same order.
    assert _diff_texts(tmp_path, a, b) == forward


@pytest.mark.slow
def test_python_names_exist_in_the_committed_package() -> None:
    """What the calls overlay added, as the diff names it, is what `generated/` declares."""
    base = shared_path("graph-beta-2021-07-13.xml")
    overlay = shared_path("graph-beta-calls-2026-08-03.xml")
    changes = diff_models(load_model(base), load_model(base, [overlay]), ("microsoft.graph.call",))
    named = [c.python for c in changes if c.python and c.impact == "additive"]
    assert len(named) > 20
    for python in named:
        package, *attributes = python.split(".")
        found: object = importlib.import_module(f"generated.beta.{package}")
        for attribute in attributes:
            if isinstance(found, type) and attrs.has(
                found
            ):  # a model's attributes are its fields, not class attributes
                assert attribute in attrs.fields_dict(found), f"{python}: no {attribute}"
                break
            assert hasattr(found, attribute), f"{python}: no {attribute}"
            found = getattr(found, attribute)
