"""Each API version's whole document: `--metadata VERSION=PATH`, the pinned defaults of the
sources config, the version of a page (its path) and of a request (its URL), overlays."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runtime.cli import main
from runtime.docs.examples import check_pages, version_of_path
from runtime.docs.whole_metadata import (
    ANY_VERSION,
    Document,
    MetadataUnavailable,
    WholeMetadata,
    check_document,
    parse_metadata_options,
    whole_index,
)
from runtime.docs.whole_metadata import pinned_documents as real_pinned_documents

CSDL = Path(__file__).parents[1] / "csdl"
APP = CSDL / "full.xml"  # people, documents, me
ROUTES = CSDL / "routes.xml"  # drives, apps, drive


@pytest.mark.parametrize(
    ("path", "version"),
    [
        ("api-reference/beta/api/user-get.md", "beta"),
        ("api-reference/v1.0/api/user-get.md", "v1.0"),
        ("docs/graph-docs-v1.0-2021-07-16/api/x.md", "v1.0"),
        ("docs/graph_beta_2021/api/x.md", "beta"),
        # The nearest folder wins.
        ("beta/archive/v1.0/x.md", "v1.0"),
        # Words that only contain a version, and a file name, say nothing.
        ("alphabeta/betamax/v1.01/x.md", None),
        ("pages/beta.md", None),
        ("x.md", None),
    ],
)
def test_the_version_of_a_page_is_read_from_its_folders(path: str, version: str | None) -> None:
    assert version_of_path(path) == version


def _csdl_like(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_metadata_options_name_a_version_or_every_version(tmp_path: Path) -> None:
    documents = parse_metadata_options([f"v1.0={APP}", f"BETA={ROUTES}"])
    assert documents == {"v1.0": Document(APP), "beta": Document(ROUTES)}
    assert parse_metadata_options([str(APP)]) == {ANY_VERSION: Document(APP)}
    # A file whose own name has an `=` is a bare path.
    odd = _csdl_like(tmp_path, "beta=old.xml", APP.read_text(encoding="utf-8"))
    assert parse_metadata_options([str(odd)]) == {ANY_VERSION: Document(odd)}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["v1.0=/nowhere/graph.xml"], "no such metadata file"),
        (["beta="], "give a path after '='"),
        ([f"v1.0={APP}", f"v1.0={ROUTES}"], "a document for v1.0 is already given"),
        ([str(APP), str(ROUTES)], "a document without a version is already given"),
    ],
)
def test_bad_metadata_options_are_clear_errors(options: list[str], message: str) -> None:
    with pytest.raises(MetadataUnavailable, match=message):
        parse_metadata_options(options)


@pytest.mark.parametrize(
    ("text", "seen"),
    [
        ('{"value": []}', "it holds no XML element"),
        ("<html><body>Sign in</body></html>", "its first element is <html>"),
        ('<?xml version="1.0"?><!-- a note --><feed xmlns="x"/>', "its first element is <feed>"),
    ],
)
def test_a_file_that_is_not_csdl_is_named(tmp_path: Path, text: str, seen: str) -> None:
    path = _csdl_like(tmp_path, "metadata.xml", text)
    with pytest.raises(MetadataUnavailable, match="not a CSDL metadata document") as caught:
        check_document(path)
    assert seen in str(caught.value) and str(path) in str(caught.value)
    with pytest.raises(MetadataUnavailable, match="a folder, not a file"):
        check_document(tmp_path)
    # Any namespace prefix is fine.
    ok = _csdl_like(tmp_path, "ok.xml", '<?xml version="1.0"?>\n<e:Edmx xmlns:e="x"></e:Edmx>')
    assert check_document(ok) == ok


def test_the_cli_refuses_a_bad_metadata_path_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = _csdl_like(
        tmp_path, "page.md", "```http\nGET https://graph.microsoft.com/v1.0/me\n```\n"
    )
    json_file = _csdl_like(tmp_path, "metadata.json", "{}")
    assert main(["examples", str(page), "--metadata", f"v1.0={json_file}"]) == 2
    assert "not a CSDL metadata document" in capsys.readouterr().err
    assert main(["examples", str(page), "--metadata", f"beta={tmp_path / 'no.xml'}"]) == 2
    assert "no such metadata file" in capsys.readouterr().err


def _config(tmp_path: Path, beta_files: list[Path], v1_files: list[Path]) -> Path:
    def entry(name: str, version: str, files: list[Path]) -> str:
        base, *overlays = files
        text = (
            f'[[packages]]\nname = "{name}"\nout = "generated/{name}"\npackage = "p_{name}"\n'
            f'live_url = "https://graph.microsoft.com/{version}/$metadata"\n'
            f'[packages.base]\npath = "{base}"\nsha256 = "00"\n'
        )
        for overlay in overlays:
            text += f'[[packages.overlays]]\npath = "{overlay}"\nsha256 = "00"\n'
        return text

    config = tmp_path / "metadata" / "sources.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        entry("beta", "beta", beta_files) + entry("v1_0", "v1.0", v1_files), encoding="utf-8"
    )
    return config


def test_pinned_documents_come_from_the_sources_config(tmp_path: Path) -> None:
    overlay = CSDL / "overlay_a.xml"
    config = _config(tmp_path, [APP, overlay], [ROUTES])
    assert real_pinned_documents(config) == {
        "beta": Document(APP, (overlay,)),
        "v1.0": Document(ROUTES),
    }
    # A version whose files are not all present (no ../shared) has no default.
    config = _config(tmp_path / "x", [APP, tmp_path / "absent.xml"], [ROUTES])
    assert real_pinned_documents(config) == {"v1.0": Document(ROUTES)}
    broken = tmp_path / "broken.toml"
    broken.write_text("[[packages]", encoding="utf-8")
    assert real_pinned_documents(broken) == {}


def test_an_install_without_the_codegen_extra_has_no_pinned_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base wheel has no lxml: `examples` then checks with the models packages only, and
    does not fail for the default it can't have."""
    config = _config(tmp_path, [APP], [ROUTES])
    monkeypatch.setitem(sys.modules, "codegen.sources", None)  # import raises ImportError
    assert real_pinned_documents(config) == {}


def test_whole_metadata_picks_the_document_of_a_version() -> None:
    both = WholeMetadata({"v1.0": Document(ROUTES), "beta": Document(APP)}, progress=False)
    assert both.document("beta") == Document(APP)
    assert both.document("v1.0") == Document(ROUTES)
    assert both.document(None) is None
    one = WholeMetadata({"beta": Document(APP)}, progress=False)
    assert one.document("v1.0") is None and one.document(None) == Document(APP)
    bare = WholeMetadata({ANY_VERSION: Document(APP), "v1.0": Document(ROUTES)}, progress=False)
    assert bare.document("beta") == Document(APP) and bare.document("v1.0") == Document(ROUTES)


PAGE = """\
# Two versions on one page

<!-- { "blockType": "request", "name": "beta-person" } -->
```http
POST https://graph.microsoft.com/beta/people
Content-Type: application/json

{"name": "Ada", "email": "ada@example.com"}
```

<!-- { "blockType": "request", "name": "v1-item" } -->
```http
PATCH https://graph.microsoft.com/v1.0/drive/items/7
Content-Type: application/json

{"name": "notes.txt"}
```

<!-- { "blockType": "request", "name": "v1-person" } -->
```http
GET https://graph.microsoft.com/v1.0/people
```

<!-- { "blockType": "request", "name": "relative" } -->
```http
PATCH /drive/items/8
Content-Type: application/json

{"name": "plan.txt"}
```
"""


@pytest.mark.slow
def test_each_request_is_checked_against_its_versions_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    overlay = CSDL / "overlay_a.xml"
    whole = WholeMetadata(
        {"beta": Document(APP, (overlay,)), "v1.0": Document(ROUTES)}, progress=False
    )
    folder = tmp_path / "api-reference" / "v1.0" / "api"
    folder.mkdir(parents=True)
    page = folder / "two.md"
    page.write_text(PAGE, encoding="utf-8")
    (report,) = check_pages([page], whole=whole)
    person, item, v1_person, relative = report.examples
    # The beta document has the overlay's `email`: nothing undeclared.
    assert person.type == "test.app.person"
    assert not any(f.code == "property.undeclared" for f in person.findings)
    assert item.type == "test.routes.driveItem"
    # `people` is in the beta document only.
    assert [f.code for f in v1_person.findings] == ["request.unknown-route"]
    # A URL without a version takes the page's (its folder says v1.0).
    assert relative.type == "test.routes.driveItem"
    # Under a beta folder the same relative request is looked up in the beta document.
    beta_page = tmp_path / "beta" / "one.md"
    beta_page.parent.mkdir()
    beta_page.write_text(
        PAGE.split('<!-- { "blockType": "request", "name": "relative"')[0]
        + '```http\nPATCH /people/1\nContent-Type: application/json\n\n{"name": "Bo"}\n```\n',
        encoding="utf-8",
    )
    (beta_report,) = check_pages([beta_page], whole=whole)
    last = beta_report.examples[-1]
    assert (last.url, last.type) == ("/people/1", "test.app.person")
    assert [f.code for f in last.findings] == ["request.outside-package"]
    # The overlay changes the cache key: the base alone is another package.
    with_overlay = whole_index(APP, overlays=[overlay], progress=False)
    alone = whole_index(APP, progress=False)
    assert with_overlay.package != alone.package
    assert "email" in with_overlay.properties("test.app.person")
    assert "email" not in alone.properties("test.app.person")


@pytest.mark.slow
def test_the_cli_takes_a_document_per_version_or_one_for_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    import runtime.docs.whole_metadata

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    page = _csdl_like(
        tmp_path,
        "page.md",
        "```http\nPATCH https://graph.microsoft.com/v1.0/drive/items/7\n"
        'Content-Type: application/json\n\n{"name": "a.txt"}\n```\n',
    )

    def codes(*options: str) -> tuple[str | None, list[str]]:
        main(["examples", str(page), "--json", *options])
        (report,) = json.loads(capsys.readouterr().out)
        return report["type"], [f["code"] for f in report["findings"]]

    typed = ("test.routes.driveItem", ["request.outside-package"])
    assert codes("--metadata", f"v1.0={ROUTES}") == typed
    assert codes("--metadata", str(ROUTES)) == typed  # bare: every version
    # A document for the other version only leaves this request to the models package.
    assert codes("--metadata", f"beta={ROUTES}") == (None, ["request.unknown-route"])
    # The pinned documents are the default, and --no-metadata does without them.
    monkeypatch.setattr(
        runtime.docs.whole_metadata,
        "pinned_documents",
        lambda config=None: {"v1.0": Document(ROUTES)},
    )
    assert codes() == typed
    assert codes("--no-metadata") == (None, ["request.unknown-route"])
