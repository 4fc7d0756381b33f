"""Route resolution over a whole document's facts (tests/csdl/routes.xml): keys in both forms,
casts, containment, structural segments, composable functions and their parameters, bound and
collection-bound operations, `$ref`/`$value`/`$count`, drive paths, `$batch`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.checking.resolve_type import Routes, type_request, type_response
from runtime.docs.whole_metadata import whole_index

CSDL = Path(__file__).parents[1] / "csdl" / "routes.xml"
G = "https://graph.microsoft.com/v1.0"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Routes]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield Routes(whole_index(CSDL, progress=False))


@pytest.mark.parametrize(
    ("method", "path", "body", "partial", "response"),
    [
        ("GET", "/drives", None, False, "Collection(test.routes.drive)"),
        ("GET", "/drives('d1')", None, False, "test.routes.drive"),
        ("GET", "/drives/{drive-id}/items/{item-id}", None, False, "test.routes.driveItem"),
        ("PATCH", "/drive/items/7", "test.routes.driveItem", True, "test.routes.driveItem"),
        ("POST", "/drive/root/children", "test.routes.driveItem", False, "test.routes.driveItem"),
        ("GET", "/drive/root/limits", None, False, "test.routes.limits"),
        # A composable function with parameters in the path, and what follows it.
        ("GET", "/drive/root/sheets/s1/range(address='A1:B2')", None, False, "test.routes.range"),
        (
            "PATCH",
            "/drive/root/sheets/s1/range(address='A1')/format",
            "test.routes.rangeFormat",
            True,
            "test.routes.rangeFormat",
        ),
        (
            "POST",
            "/drive/root/sheets/s1/range(address='A1')/usedRange(valuesOnly=true)/merge",
            "test.routes.merge(test.routes.range)",
            False,
            None,
        ),
        ("GET", "/drive/root/children/delta(token='x')", None, False, None),
        (
            "POST",
            "/apps/createOrGet",
            "test.routes.createOrGet(Collection(test.routes.app))",
            False,
            "test.routes.app",
        ),
        # A cast, written in any case, and a navigation of a derived type without its cast.
        (
            "GET",
            "/apps/a1/TEST.ROUTES.LOBAPP/contentVersions",
            None,
            False,
            "Collection(test.routes.sheet)",
        ),
        ("GET", "/apps/a1/contentVersions", None, False, "Collection(test.routes.sheet)"),
        # A drive path addresses the item at that path.
        (
            "GET",
            "/drive/root:/folder/file.txt:/children",
            None,
            False,
            "Collection(test.routes.driveItem)",
        ),
        ("DELETE", "/drive/items/7", None, False, None),
        # A PUT replaces or creates one: partial, as the service sets some properties.
        ("PUT", "/drive/items/7", "test.routes.driveItem", True, "test.routes.driveItem"),
    ],
)
def test_routes_resolve(
    routes: Routes,
    method: str,
    path: str,
    body: str | None,
    partial: bool,
    response: str | None,
) -> None:
    typed = type_request(method, G + path, routes)
    assert typed.resolved, typed.findings
    assert [f.code for f in typed.findings if f.severity == "error"] == []
    assert (str(typed.body) if typed.body else None) == body
    assert typed.partial == partial
    if response is not None:
        assert str(typed.response) == response


@pytest.mark.parametrize(
    "path",
    [
        "/drive/items/7/$value",
        "/drive/items/7/content/$value",
        "/drive/items/7/content",
        "/apps/$count",
        "/$batch",
    ],
)
def test_system_segments_resolve_without_typing_the_body(routes: Routes, path: str) -> None:
    typed = type_request("GET", G + path, routes)
    assert [f.code for f in typed.findings] == ["request.untyped-body"]
    # What such a response holds is not "nothing": it is not typed.
    assert [f.code for f in type_response(200, typed).findings] == ["response.untyped"]


def test_ref_checks_the_route_before_it(routes: Routes) -> None:
    assert type_request("POST", G + "/apps/a1/contentVersions/$ref", routes).findings[0].code == (
        "request.untyped-body"
    )
    bad = type_request("POST", G + "/apps/a1/nothing/$ref", routes)
    assert [f.code for f in bad.findings] == ["request.unknown-route"]


@pytest.mark.parametrize(
    "path",
    ["/nowhere", "/drive/root/nothing", "/drive/root/sheets/s1/merge", "/drive/root/name/x"],
)
def test_unknown_routes_say_where(routes: Routes, path: str) -> None:
    typed = type_request("GET", G + path, routes)
    assert not typed.resolved
    (finding,) = typed.findings
    assert finding.code == "request.unknown-route" and finding.severity == "error"


@settings(max_examples=80, deadline=None)
@given(
    segments=st.lists(
        st.text(
            alphabet="abcdefghijklmnopqrstuvwxyz.$:()'={}-_0123456789", min_size=1, max_size=12
        ),
        max_size=6,
    )
)
def test_any_path_types_or_says_why(routes: Routes, segments: list[str]) -> None:
    typed = type_request("POST", G + "/" + "/".join(segments), routes)
    why = {"request.unknown-route", "request.untyped-body"}
    assert typed.resolved or any(f.code in why for f in typed.findings)


def test_action_parameters_in_another_case_are_a_note_and_checked(routes: Routes) -> None:
    from runtime.docs.docpages import read_text
    from runtime.docs.examples import _Context, check_example

    page = read_text(
        "```http\nPOST https://graph.microsoft.com/v1.0/drive/root/sheets/s1/range(address='A1')"
        '/merge\nContent-Type: application/json\n\n{"ACROSS": "yes"}\n```\n',
        "p.md",
    )
    (example,) = page.examples
    report = check_example(example, _Context("by-direction", whole=routes))
    codes = [(f.severity, f.code, f.path) for f in report.findings]
    assert ("info", "parameter.case", "$.ACROSS") in codes
    # Renamed, the value is checked against the declared parameter: a string is no Boolean.
    assert ("error", "value.wrong-json-type", "$.across") in codes


# The URL shapes reference pages write, each resolved to what it addresses.
@pytest.mark.parametrize(
    ("method", "path", "response"),
    [
        # Placeholders for keys, in the spellings pages use.
        ("GET", "/drives/{drive-id}/items/<item id>", "test.routes.driveItem"),
        ("GET", "/drives/{id | name}/items/{id|path}", "test.routes.driveItem"),
        ("GET", "/drives/[drive]/items/7", "test.routes.driveItem"),
        # Trailing slashes, query strings, fragments and encoded characters.
        ("GET", "/drives/d1/items/", "Collection(test.routes.driveItem)"),
        ("GET", "/drives/d1/items?$top=2&$filter=name%20eq%20'a/b'", None),
        ("GET", "/drives/d%2F1/items/7%3D%3D/children#part", "Collection(test.routes.driveItem)"),
        # An alias singleton addresses the same type as the set's members.
        ("GET", "/me/items/7", "test.routes.driveItem"),
        ("GET", "/ME/Items('7')/Children", "Collection(test.routes.driveItem)"),
        # A key with another property's name (an alternate key) and a composite-looking one.
        ("GET", "/drives(name='Docs')/items/7", "test.routes.driveItem"),
        # A function parameter holding slashes stays one segment.
        ("GET", "/drive/itemByPath(path='/a/b (2)/c.txt')/children", None),
        ("GET", "/drive/items/7/sheets/s1/range(address='Sheet/1!A1')/format", None),
        # A file name with a lone parenthesis in a drive path.
        ("GET", "/drive/root:/notes (draft/a.txt:/children", None),
        # A placeholder for a property name, where every property has the same type.
        ("GET", "/drive/items/7/renditions/r1/{size}", "test.routes.rendition"),
        ("PATCH", "/drive/items/7/renditions/r1/<size>", "test.routes.rendition"),
    ],
)
def test_url_shapes_resolve(routes: Routes, method: str, path: str, response: str | None) -> None:
    typed = type_request(method, G + path, routes)
    assert typed.resolved, typed.findings
    assert [f.code for f in typed.findings] == []
    if response is not None:
        assert str(typed.response) == response


def test_a_function_parameter_with_slashes_types_what_it_returns(routes: Routes) -> None:
    typed = type_request("GET", G + "/drive/itemByPath(path='/x/y')", routes)
    assert (typed.operation, str(typed.response)) == (
        "test.routes.itemByPath",
        "test.routes.driveItem",
    )


def test_an_operation_of_a_derived_type_without_its_cast_is_a_note(routes: Routes) -> None:
    typed = type_request("POST", G + "/apps/a1/publish", routes)
    assert typed.resolved and typed.operation == "test.routes.publish"
    (note,) = typed.findings
    assert (note.severity, note.code) == ("info", "request.implicit-cast")
    assert "test.routes.lobApp, test.routes.webApp" in note.message
    # With the cast written out there is nothing to say.
    cast = type_request("POST", G + "/apps/a1/test.routes.webApp/publish", routes)
    assert cast.findings == () and str(cast.body) == "test.routes.publish(test.routes.webApp)"


def test_an_operation_derived_types_bind_differently_needs_the_cast(routes: Routes) -> None:
    typed = type_request("POST", G + "/apps/a1/retire", routes)
    (finding,) = typed.findings
    assert finding.code == "request.unknown-route"
    assert "with different parameters: the URL needs the cast" in finding.message
    cast = type_request("POST", G + "/apps/a1/test.routes.storeApp/retire", routes)
    assert cast.resolved and str(cast.body) == "test.routes.retire(test.routes.storeApp)"


@pytest.mark.parametrize(
    "path",
    [
        # A placeholder for a property name, where the properties differ in type.
        "/drive/items/7/{property}",
        # A key after a single entity, and an operation that exists on no type.
        "/drive/root('x')",
        "/apps/a1/unpublish",
    ],
)
def test_shapes_that_address_nothing_stay_unknown(routes: Routes, path: str) -> None:
    typed = type_request("GET", G + path, routes)
    assert [f.code for f in typed.findings] == ["request.unknown-route"]


def test_a_version_graph_does_not_have_is_named(routes: Routes) -> None:
    typed = type_request("GET", "https://graph.microsoft.com/v1/drive", routes)
    (finding,) = typed.findings
    assert finding.code == "request.unknown-route"
    assert "'v1' is not a Graph API version (v1.0 or beta)" in finding.message


@pytest.mark.parametrize("url", [G, G + "/", G + "/$metadata", "/beta/$metadata"])
def test_the_service_root_and_metadata_are_untyped_not_unknown(routes: Routes, url: str) -> None:
    typed = type_request("GET", url, routes)
    assert [f.code for f in typed.findings] == ["request.untyped-body"]


def test_an_operation_in_another_namespace_is_not_taken_for_a_key(routes: Routes) -> None:
    typed = type_request("POST", G + "/apps/test.other.createOrGet", routes)
    (finding,) = typed.findings
    assert finding.code == "request.unknown-route"
    assert "did you mean test.routes.createOrGet?" in finding.message
    # A key with dots that names no operation stays a key.
    assert type_request("GET", G + "/apps/contoso.example.com", routes).resolved
    # So does one that ends like an operation but is not of the operation's family.
    assert type_request("GET", G + "/apps/first.last.createOrGet", routes).resolved


@settings(max_examples=60, deadline=None)
@given(path=st.text(alphabet="ab/()'=:%{}", max_size=30))
def test_splitting_a_path_loses_nothing(path: str) -> None:
    from runtime.checking.resolve_type import _path_pieces

    pieces = _path_pieces(path)
    assert "/".join(pieces) == path
    # Only parentheses that close keep a `/` inside one piece.
    assert all("/" not in p or p.count("(") > 0 for p in pieces)
