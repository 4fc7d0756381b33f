"""Checker rules that real reference pages exercised: free-form JSON, property bags and a
missing `@odata.type` (OData JSON §4.6.3), on a small package generated from our own CSDL."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.codegen.factory import edmx, generate_text, schema

SHOP = schema(
    "shop",
    """
    <ComplexType Name="Json" />
    <ComplexType Name="labels" OpenType="true" />
    <ComplexType Name="marker" />
    <ComplexType Name="payment">
      <Property Name="amount" Type="Edm.Int32" />
    </ComplexType>
    <ComplexType Name="cardPayment" BaseType="shop.payment">
      <Property Name="cardNumber" Type="Edm.String" />
    </ComplexType>
    <ComplexType Name="bankPayment" BaseType="shop.payment">
      <Property Name="iban" Type="Edm.String" />
      <Property Name="bic" Type="Edm.String" />
    </ComplexType>
    <ComplexType Name="walletPayment" BaseType="shop.payment">
      <Property Name="iban" Type="Edm.String" />
      <Property Name="wallet" Type="Edm.String" />
    </ComplexType>
    <ComplexType Name="contact" OpenType="true">
      <Property Name="name" Type="Edm.String" />
    </ComplexType>
    <ComplexType Name="phoneContact" BaseType="shop.contact">
      <Property Name="phone" Type="Edm.String" />
    </ComplexType>
    <ComplexType Name="delivery" Abstract="true">
      <Property Name="note" Type="Edm.String" />
    </ComplexType>
    <ComplexType Name="parcel" BaseType="shop.delivery">
      <Property Name="weight" Type="Edm.Double" />
    </ComplexType>
    <ComplexType Name="letter" BaseType="shop.delivery">
      <Property Name="stamps" Type="Edm.Int32" />
    </ComplexType>
    <EntityType Name="basket" OpenType="true">
      <Key><PropertyRef Name="id" /></Key>
      <Property Name="id" Type="Edm.String" Nullable="false" />
      <Property Name="notes" Type="shop.Json" />
      <Property Name="rows" Type="Collection(shop.Json)" />
      <Property Name="labels" Type="shop.labels" />
      <Property Name="marker" Type="shop.marker" />
      <Property Name="payment" Type="shop.payment" />
      <Property Name="contact" Type="shop.contact" />
      <Property Name="delivery" Type="shop.delivery" />
    </EntityType>
    <EntityType Name="tagSet" OpenType="true">
      <Key><PropertyRef Name="id" /></Key>
      <Property Name="id" Type="Edm.String" Nullable="false" />
    </EntityType>
    """,
)

_PACKAGE = "shop_rules_pkg"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The generated package of `SHOP`, imported."""
    root = tmp_path_factory.mktemp("shop")
    generate_text(edmx(SHOP), root / _PACKAGE)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(_PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == _PACKAGE or m.startswith(_PACKAGE + ".")]:
            del sys.modules[name]


def check(shop: Any, body: Any, qname: str = "shop.basket", strict: bool = True) -> Any:
    return shop.converter(strict=strict).check(body, qname, partial=True)


def codes(checked: Any) -> list[tuple[str, str, str]]:
    return [(f.severity, f.code, f.path) for f in checked.findings]


# -- free-form JSON (Graph's `Json`) ---------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)


def test_free_form_json_holds_any_value(shop: Any) -> None:
    body = {
        "id": "b1",
        "notes": {"$schema": "x", "any": [1, {"deep": None}]},
        "rows": [[1, "two", None], "text", 3, {"k": True}],
    }
    checked = check(shop, body)
    assert checked.findings == ()
    conv = shop.converter()
    assert conv.write_value(checked.value, "shop.basket") == body


@settings(max_examples=60, deadline=None)
@given(value=JSON_VALUES)
def test_any_json_value_in_a_free_form_property_is_read_and_written_unchanged(
    shop: Any, value: Any
) -> None:
    body = {"id": "b", "notes": value, "rows": [value]}
    checked = check(shop, json.loads(json.dumps(body)))
    assert checked.findings == ()
    assert shop.converter().write_value(checked.value, "shop.basket") == body


def test_an_empty_closed_type_not_named_json_stays_closed(shop: Any) -> None:
    # `marker` has the shape of `Json` but not its name: a closed marker type, `{}` only.
    found = codes(check(shop, {"id": "b", "marker": {"x": 1}}))
    assert found == [("error", "property.undeclared", "$.marker.x")]
    found = codes(check(shop, {"id": "b", "marker": "text"}))
    assert found == [("error", "value.wrong-json-type", "$.marker")]


# -- property bags: open types that declare nothing but their key ------------------------------


def test_a_property_bag_carries_dynamic_properties_without_findings(shop: Any) -> None:
    body = {"id": "b", "labels": {"Colour": "red", "8f1c-guid-like": {"x": 1}}}
    assert check(shop, body).findings == ()
    assert check(shop, {"id": "t", "Title": "x"}, "shop.tagSet").findings == ()


def test_a_bag_value_that_names_a_type_is_still_checked(shop: Any) -> None:
    body = {"id": "b", "labels": {"pay": {"@odata.type": "#shop.payment", "amount": "ten"}}}
    found = codes(check(shop, body))
    assert found == [("error", "value.wrong-json-type", "$.labels.pay.amount")]


def test_an_open_type_with_declared_properties_still_warns(shop: Any) -> None:
    found = codes(check(shop, {"id": "b", "contact": {"name": "n", "fax": "1"}}))
    assert found == [("warning", "property.undeclared", "$.contact.fax")]


# -- a missing @odata.type -----------------------------------------------------------------


def test_abstract_without_odata_type_names_the_types_its_properties_fit(shop: Any) -> None:
    checked = check(shop, {"id": "b", "delivery": {"note": "n", "weight": 2.5}})
    (f,) = checked.findings
    assert (f.severity, f.code, f.path) == ("error", "type.missing-odata-type", "$.delivery")
    assert "shop.delivery is abstract" in f.message
    assert "its properties fit shop.parcel" in f.message
    assert '"@odata.type": "#shop.parcel"' in f.message
    assert "shop.letter" not in f.message


def test_abstract_without_odata_type_and_no_telling_property_lists_every_choice(
    shop: Any,
) -> None:
    (f,) = check(shop, {"id": "b", "delivery": {"note": "n"}}).findings
    assert f.code == "type.missing-odata-type"
    assert "with @odata.type: one of shop.letter, shop.parcel" in f.message


def test_naming_an_abstract_type_is_another_finding(shop: Any) -> None:
    body = {"id": "b", "delivery": {"@odata.type": "#shop.delivery", "note": "n"}}
    (f,) = check(shop, body).findings
    assert (f.code, f.path) == ("type.abstract", "$.delivery")
    assert "must name a concrete type" in f.message


def test_derived_only_properties_without_odata_type_name_the_derived_type(shop: Any) -> None:
    body = {"id": "b", "payment": {"amount": 3, "iban": "X", "bic": "Y"}}
    found = check(shop, body).findings
    assert [(f.severity, f.code, f.path) for f in found] == [
        ("error", "property.undeclared", "$.payment.iban"),
        ("error", "property.undeclared", "$.payment.bic"),
        ("error", "type.missing-odata-type", "$.payment"),
    ]
    # Only bankPayment declares both: walletPayment (iban only) is not offered.
    assert "shop.bankPayment declares them all" in found[2].message
    assert "walletPayment" not in found[2].message
    assert "'iban', 'bic'" in found[2].message


def test_derived_only_properties_no_one_type_declares_together(shop: Any) -> None:
    body = {"id": "b", "payment": {"cardNumber": "4", "wallet": "w"}}
    found = check(shop, body).findings
    last = found[-1]
    assert last.code == "type.missing-odata-type"
    assert "(shop.cardPayment, shop.walletPayment declare some)" in last.message


def test_on_an_open_type_or_when_received_it_is_a_warning(shop: Any) -> None:
    found = check(shop, {"id": "b", "contact": {"name": "n", "phone": "1"}}).findings
    assert [(f.severity, f.code) for f in found] == [
        ("warning", "property.undeclared"),
        ("warning", "type.missing-odata-type"),
    ]
    lenient = check(shop, {"id": "b", "payment": {"iban": "X"}}, strict=False).findings
    assert {f.severity for f in lenient} == {"warning"}


def test_naming_the_derived_type_clears_it(shop: Any) -> None:
    body = {
        "id": "b",
        "payment": {"@odata.type": "#shop.bankPayment", "iban": "X", "bic": "Y"},
        "contact": {"@odata.type": "#shop.phoneContact", "phone": "1"},
        "delivery": {"@odata.type": "#shop.parcel", "weight": 1.0},
    }
    assert check(shop, body).findings == ()


@settings(max_examples=40, deadline=None)
@given(
    keys=st.lists(st.sampled_from(["amount", "cardNumber", "iban", "bic", "wallet"]), unique=True)
)
def test_the_missing_type_finding_appears_exactly_when_a_derived_property_is_used(
    shop: Any, keys: list[str]
) -> None:
    body = {"id": "b", "payment": {k: 1 if k == "amount" else "v" for k in keys}}
    found = [f for f in check(shop, body).findings if f.code == "type.missing-odata-type"]
    assert len(found) == (1 if set(keys) - {"amount"} else 0)
    declared = {
        "shop.cardPayment": {"cardNumber"},
        "shop.bankPayment": {"iban", "bic"},
        "shop.walletPayment": {"iban", "wallet"},
    }
    for f in found:
        used = set(keys) - {"amount"}
        named = {t for t in declared if t in f.message}
        # The types named are those that declare every property used, else those declaring one.
        fits = {t for t, props in declared.items() if used <= props}
        assert named == (fits or {t for t, props in declared.items() if props & used})


def test_free_form_properties_are_annotated_any_and_the_marker_keeps_its_class(
    shop: Any,
) -> None:
    source = (Path(shop.__file__).parent / "shop" / "basket.py").read_text(encoding="utf-8")
    assert "notes: Any | None | Unset" in source
    assert "rows: list[Any] | None | Unset" in source
    assert "marker: Marker | None | Unset" in source
