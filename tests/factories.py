"""Models for tests, built from inline CSDL text by the production path (`model_from_loaded`)."""

from __future__ import annotations

import textwrap
from typing import Any

from codegen.model import Model
from codegen.sources import model_from_loaded
from codegen.xmlsafe import load_bytes

EDMX = """<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml">
    <edmx:Include Namespace="Org.OData.Core.V1" Alias="Core" />
  </edmx:Reference>
  <edmx:DataServices>
{schemas}
  </edmx:DataServices>
</edmx:Edmx>
"""


def schema(namespace: str, body: str, alias: str | None = None) -> str:
    """One `<Schema>` element around `body` (dedented)."""
    alias_attr = f' Alias="{alias}"' if alias else ""
    return (
        f'<Schema Namespace="{namespace}"{alias_attr} '
        'xmlns="http://docs.oasis-open.org/odata/ns/edm">\n' + textwrap.dedent(body) + "\n</Schema>"
    )


def edmx(*schemas: str) -> str:
    """A whole CSDL document holding `schemas` (see `schema`), with the Core vocabulary."""
    return EDMX.format(schemas="\n".join(schemas))


def model_from_text(base: str, *overlays: str) -> Model:
    """The model of a base document and overlays given as CSDL text, as `load_model` makes it.

    The documents are named `base.xml`, `overlay1.xml`, … in sources and diagnostics.
    """
    return model_from_loaded(
        load_bytes(base.encode("utf-8"), "base.xml"),
        [load_bytes(o.encode("utf-8"), f"overlay{i}.xml") for i, o in enumerate(overlays, 1)],
    )


def model_of_schemas(*schemas: str) -> Model:
    """A model from whole `<Schema>` elements (see `schema`)."""
    return model_from_text(edmx(*schemas))


def create_call_body(**extra: Any) -> dict[str, Any]:
    """A complete create-call request body, valid in both modes and in both API versions, with
    `extra` properties added."""
    body: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.call",
        "callbackUri": "https://bot.contoso.com/callback",
        "targets": [
            {
                "@odata.type": "#microsoft.graph.invitationParticipantInfo",
                "identity": {"user": {"id": "u1", "displayName": "John"}},
            }
        ],
        "requestedModalities": ["audio"],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    }
    body.update(extra)
    return body
