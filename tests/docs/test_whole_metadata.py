"""Requests outside the package's closure, typed against a whole document generated into a cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.checking.models import Models, models_for
from runtime.docs import examples
from runtime.docs.examples import check_pages
from runtime.docs.whole_metadata import MetadataUnavailable, whole_index

CSDL = Path(__file__).parents[1] / "csdl" / "full.xml"

PAGE = """\
# People

<!-- { "blockType": "request", "name": "create-person" } -->
```http
POST https://graph.microsoft.com/v1.0/people
Content-Type: application/json

{"id": "mine", "name": "Ada", "nmae": "typo"}
```

<!-- { "blockType": "response" } -->
```http
HTTP/1.1 201 Created
Content-Type: application/json

{"id": "1", "name": "Ada"}
```

<!-- { "blockType": "request", "name": "nowhere" } -->
```http
GET https://graph.microsoft.com/v1.0/nowhere/1
```

<!-- { "blockType": "request", "name": "mute" } -->
```http
POST https://graph.microsoft.com/v1.0/communications/calls/1/mute
Content-Type: application/json

{"clientContext": "c"}
```
"""


@pytest.mark.slow
def test_a_request_outside_the_package_is_a_note_and_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    index = whole_index(CSDL, progress=False)
    assert "test.app.person" in index.facts.types
    # Once generated, the cache is reused: the same package, no second generation.
    assert whole_index(CSDL, progress=False).facts is index.facts
    page = tmp_path / "people.md"
    page.write_text(PAGE, encoding="utf-8")
    chosen: list[str] = []
    choose = models_for

    def spy(*args: object, **kwargs: object) -> Models:
        found = choose(*args, **kwargs)  # type: ignore[arg-type]
        chosen.append(found.name)
        return found

    monkeypatch.setattr(examples, "models_for", spy)
    (report,) = check_pages([page], whole=index)
    create, created, nowhere, mute = report.examples
    # Each request is typed first with the models package of its URL's version.
    assert set(chosen) == {"generated.v1_0"}
    codes = [(f.severity, f.code) for f in create.findings]
    assert ("info", "request.outside-package") in codes
    assert ("error", "request.unknown-route") not in codes
    assert create.type == "test.app.person"
    assert any(f.code == "property.undeclared" and "nmae" in f.message for f in create.findings)
    assert any("did you mean 'name'?" in f.message for f in create.findings)
    # `id` is Core.Computed in that document: a create body should not carry it.
    (read_only,) = [f for f in create.findings if f.code == "property.read-only"]
    assert (read_only.severity, read_only.path) == ("warning", "$.id")
    assert created.type == "test.app.person"
    assert not any(f.code == "response.unexpected-body" for f in created.findings)
    assert [f.code for f in nowhere.findings] == ["request.unknown-route"]
    # A request the package covers stays with the package, on the same page.
    assert mute.type == "microsoft.graph.mute(microsoft.graph.call)"
    assert mute.findings == () and mute.roundtrip is True
    # A models package given by name, and the whole document, together.
    (named,) = check_pages([page], models="generated.beta", whole=index)
    assert [e.type for e in named.examples] == [e.type for e in report.examples]
    assert any(f.code == "request.outside-package" for f in named.examples[0].findings)


def test_a_missing_document_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MetadataUnavailable, match="no such metadata file"):
        whole_index(tmp_path / "absent.xml", progress=False)
