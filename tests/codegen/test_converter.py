"""The generated converter, exercised on the golden package (`tests/golden/expected`)."""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs
import pytest

from tests.golden import expected
from tests.golden.expected import UNSET, ODataConverter, ReadError, Unset
from tests.golden.expected.test_a.address import Address
from tests.golden.expected.test_a.circle import Circle
from tests.golden.expected.test_a.color import Color
from tests.golden.expected.test_a.document import Document
from tests.golden.expected.test_a.document_publish_parameters import DocumentPublishParameters
from tests.golden.expected.test_a.guest_identity import GuestIdentity
from tests.golden.expected.test_a.identity import Identity
from tests.golden.expected.test_a.invitation import Invitation
from tests.golden.expected.test_a.participant import Participant as AParticipant
from tests.golden.expected.test_a.permissions import Permissions
from tests.golden.expected.test_a.primitives import Primitives
from tests.golden.expected.test_a.report import Report
from tests.golden.expected.test_a.shape import Shape
from tests.golden.expected.test_a.user_identity import UserIdentity
from tests.golden.expected.test_b.meeting import Meeting
from tests.golden.expected.test_b.participant import Participant as BParticipant

conv = expected.converter()
strict = expected.converter(strict=True)
verbose = expected.converter(always_emit_type=True)


def roundtrip(data: dict[str, Any], cls: type[Any], c: ODataConverter = conv) -> Any:
    """Read `data` as `cls`, check that writing gives the same JSON, return the object.

    Key order is the declaration order, not the input's; the text is compared with sorted keys
    so that a number written back as another JSON type (1 vs 1.0) still fails.
    """
    obj = c.read_as(json.loads(json.dumps(data)), cls)
    out = c.write(obj)
    assert out == data
    assert json.dumps(out, sort_keys=True) == json.dumps(data, sort_keys=True)
    return obj


def read_error(data: Any, qname: str, c: ODataConverter = conv) -> ReadError:
    with pytest.raises(ReadError) as info:
        c.read(data, qname)
    return info.value


# -- absent, null, value -------------------------------------------------------------------


def test_absent_null_and_value_are_three_things() -> None:
    absent = roundtrip({"required": "r"}, Primitives)
    null = roundtrip({"required": "r", "string": None}, Primitives)
    value = roundtrip({"required": "r", "string": "s"}, Primitives)
    assert absent.string is UNSET
    assert null.string is None
    assert value.string == "s"
    assert conv.write(Primitives(required="r")) == {"required": "r"}
    assert conv.write(Primitives(required="r", string=None)) == {"required": "r", "string": None}


def test_unset_is_falsy_and_prints_as_unset() -> None:
    assert not UNSET
    assert repr(UNSET) == "UNSET"
    assert "string=UNSET" in repr(Primitives())


def test_collections_absent_null_empty_and_null_items() -> None:
    assert roundtrip({"required": "r"}, Primitives).cloud_pcs is UNSET
    assert roundtrip({"required": "r", "cloudPCs": None}, Primitives).cloud_pcs is None
    assert roundtrip({"required": "r", "cloudPCs": []}, Primitives).cloud_pcs == []
    obj = roundtrip({"required": "r", "cloudPCs": ["a", None, "b"]}, Primitives)
    assert obj.cloud_pcs == ["a", None, "b"]


# -- Edm mapping ---------------------------------------------------------------------------

EVERY_PRIMITIVE = {
    "string": "text",
    "boolean": True,
    "byte": 255,
    "sByte": -128,
    "int16": -32768,
    "int32": 2147483647,
    "int64": -9223372036854775808,
    "single": 1.5,
    "double": -2.25e-10,
    "decimal": 12.75,
    "dateTimeOffset": "2021-07-13T10:11:12.1234567+02:00",
    "date": "2021-07-13",
    "timeOfDay": "23:59:58.1234567",
    "duration": "P1DT2H3M4.5S",
    "guid": "ABCDEF01-2345-6789-abcd-EF0123456789",
    "binary": "_-8A",
    "stream": "https://example.test/content",
    "geographyPoint": {"type": "Point", "coordinates": [1.5, 2.5]},
    "geometryPolygon": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]},
    "untyped": {"any": ["json", 1, None]},
    "price": 9.99,
    "required": "r",
}


def test_every_edm_primitive_reads_as_its_python_type_and_writes_back_unchanged() -> None:
    p = roundtrip(EVERY_PRIMITIVE, Primitives)
    assert (p.string, p.boolean, p.byte, p.s_byte) == ("text", True, 255, -128)
    assert (p.int16, p.int32, p.int64) == (-32768, 2**31 - 1, -(2**63))
    assert (p.single, p.double) == (1.5, -2.25e-10)
    assert isinstance(p.decimal, Decimal) and p.decimal == Decimal("12.75")
    assert isinstance(p.price, Decimal) and p.price == Decimal("9.99")  # a type definition
    tz = timezone(timedelta(hours=2))
    assert p.date_time_offset == datetime(2021, 7, 13, 10, 11, 12, 123456, tzinfo=tz)
    assert p.date_ == date(2021, 7, 13)
    assert p.time_of_day == time(23, 59, 58, 123456)
    assert p.duration == timedelta(days=1, hours=2, minutes=3, seconds=4.5)
    assert p.guid == UUID("abcdef01-2345-6789-abcd-ef0123456789")
    assert p.binary == b"\xff\xef\x00"
    assert p.stream == "https://example.test/content"
    assert p.geography_point == {"type": "Point", "coordinates": [1.5, 2.5]}
    assert p.untyped == {"any": ["json", 1, None]}


@pytest.mark.parametrize("special", ["INF", "-INF", "NaN"])
@pytest.mark.parametrize("prop", ["single", "double"])
def test_special_floats(prop: str, special: str) -> None:
    obj = roundtrip({"required": "r", prop: special}, Primitives)
    value = getattr(obj, prop)
    assert isinstance(value, float)
    if special == "NaN":
        assert math.isnan(value)
    else:
        assert value == (math.inf if special == "INF" else -math.inf)


@pytest.mark.parametrize(
    ("value", "wire"), [(math.inf, "INF"), (-math.inf, "-INF"), (math.nan, "NaN"), (0.5, 0.5)]
)
def test_floats_made_in_python_are_written_as_graph_expects(value: float, wire: object) -> None:
    assert conv.write(Primitives(double=value))["double"] == wire


def test_aware_datetime_with_seven_fractional_digits_is_written_back_unchanged() -> None:
    text = "2021-07-13T10:11:12.1234567Z"
    obj = roundtrip({"required": "r", "dateTimeOffset": text}, Primitives)
    assert obj.date_time_offset.tzinfo is not None
    assert obj.date_time_offset.utcoffset() == timedelta(0)
    assert obj.date_time_offset.microsecond == 123456


def test_datetimes_made_in_python() -> None:
    when = datetime(2021, 7, 13, 10, 11, 12, tzinfo=UTC)
    assert conv.write(Primitives(date_time_offset=when))["dateTimeOffset"] == "2021-07-13T10:11:12Z"
    plus2 = when.astimezone(timezone(timedelta(hours=2)))
    written = conv.write(Primitives(date_time_offset=plus2))["dateTimeOffset"]
    assert written == "2021-07-13T12:11:12+02:00"


def test_datetime_without_offset_is_an_error() -> None:
    err = read_error({"dateTimeOffset": "2021-07-13T10:11:12"}, "test.a.primitives")
    assert err.path == "$.dateTimeOffset"
    assert "time zone" in err.message


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("PT0S", timedelta(0)),
        ("PT1H", timedelta(hours=1)),
        ("P2D", timedelta(days=2)),
        ("PT1.5S", timedelta(seconds=1.5)),
        ("-PT30M", -timedelta(minutes=30)),
        ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    obj = roundtrip({"required": "r", "duration": text}, Primitives)
    assert obj.duration == delta
    # A timedelta made in Python is written in ISO 8601 and reads back equal.
    written = conv.write(Primitives(duration=delta))["duration"]
    assert conv.read({"duration": written}, "test.a.primitives").duration == delta


@pytest.mark.parametrize("text", ["P", "PT", "1H", "P1H", "PT1X", "P1Y"])
def test_bad_durations(text: str) -> None:
    err = read_error({"duration": text}, "test.a.primitives")
    assert (err.path, err.code) == ("$.duration", "read.bad-duration")


def test_guid_case_is_kept() -> None:
    upper = "ABCDEF01-2345-6789-ABCD-EF0123456789"
    assert roundtrip({"required": "r", "guid": upper}, Primitives).guid == UUID(upper)
    made = UUID("abcdef01-2345-6789-abcd-ef0123456789")
    assert conv.write(Primitives(guid=made))["guid"] == str(made)
    assert read_error({"guid": "not-a-guid"}, "test.a.primitives").path == "$.guid"


def test_binary_is_base64url_and_standard_base64_is_accepted() -> None:
    url = roundtrip({"required": "r", "binary": "-_-_"}, Primitives)
    assert url.binary == b"\xfb\xff\xbf"
    padded = roundtrip({"required": "r", "binary": "+/+/AA=="}, Primitives)
    assert padded.binary == b"\xfb\xff\xbf\x00"
    # Bytes made in Python are written as unpadded base64url.
    assert conv.write(Primitives(binary=b"\xfb\xff\xbf\x00"))["binary"] == "-_-_AA"
    assert read_error({"binary": "not base64!"}, "test.a.primitives").code == "read.bad-binary"


def test_decimal_from_number_and_string() -> None:
    assert conv.read({"decimal": 0.1}, "test.a.primitives").decimal == Decimal("0.1")
    assert conv.read({"decimal": "123.456"}, "test.a.primitives").decimal == Decimal("123.456")
    assert conv.write(Primitives(decimal=Decimal("42")))["decimal"] == 42
    assert conv.write(Primitives(decimal=Decimal("0.25")))["decimal"] == 0.25
    assert read_error({"decimal": True}, "test.a.primitives").path == "$.decimal"


def test_wire_text_survives_copies() -> None:
    data = {
        "required": "r",
        "dateTimeOffset": "2021-07-13T10:11:12.1234567Z",
        "timeOfDay": "10:11:12.1234567",
        "duration": "PT90M",
        "guid": "ABCDEF01-2345-6789-ABCD-EF0123456789",
        "binary": "_-8",
    }
    obj = conv.read(data, "test.a.primitives")
    assert conv.write(copy.deepcopy(obj)) == data
    assert conv.write(copy.copy(obj)) == data


# -- enums ---------------------------------------------------------------------------------


def test_enum_members() -> None:
    obj = roundtrip({"required": "r", "color": "green", "colors": ["red", "blue"]}, Primitives)
    assert obj.color is Color.GREEN
    assert obj.colors == [Color.RED, Color.BLUE]
    assert conv.write(Primitives(color=Color.UNKNOWN_FUTURE_VALUE))["color"] == "unknownFutureValue"


def test_unknown_enum_value_is_kept_and_written_back() -> None:
    obj = roundtrip({"required": "r", "color": "ultraviolet", "colors": ["red", "x"]}, Primitives)
    assert isinstance(obj.color, Color)
    assert obj.color == "ultraviolet"
    assert not obj.color.is_known
    assert Color.RED.is_known
    assert obj.colors[1] == "x"


def test_unknown_enum_value_is_an_error_in_strict_mode() -> None:
    err = read_error({"color": "ultraviolet"}, "test.a.primitives", strict)
    assert (err.path, err.code) == ("$.color", "read.unknown-enum-member")
    err = read_error({"colors": ["red", "x"]}, "test.a.primitives", strict)
    assert err.path == "$.colors[1]"


@pytest.mark.parametrize("text", ["read,write", "read, write", "share", "", "read,bogus"])
def test_flag_enum_values_round_trip(text: str) -> None:
    obj = roundtrip({"required": "r", "permissions": text}, Primitives)
    expected_names = [s.strip() for s in text.split(",")] if text else []
    assert [str(m) for m in obj.permissions] == expected_names


def test_flag_enum_members() -> None:
    obj = conv.read({"permissions": "read,write"}, "test.a.primitives")
    assert obj.permissions == [Permissions.READ, Permissions.WRITE]
    made = Primitives(permissions=[Permissions.WRITE, Permissions.SHARE])
    assert conv.write(made)["permissions"] == "write,share"


def test_changed_flag_value_is_written_as_changed() -> None:
    obj = conv.read({"permissions": "read, write"}, "test.a.primitives")
    obj.permissions.append(Permissions.SHARE)
    assert conv.write(obj)["permissions"] == "read,write,share"
    obj.permissions.clear()
    assert conv.write(obj)["permissions"] == ""


def test_flag_enum_unknown_member_in_strict_mode() -> None:
    err = read_error({"permissions": "read,bogus"}, "test.a.primitives", strict)
    assert (err.path, err.code) == ("$.permissions", "read.unknown-enum-member")


# -- open types and instance annotations ---------------------------------------------------


def test_open_type_dynamic_properties_are_kept() -> None:
    data = {"id": "1", "displayName": "Ada", "nickname": "ada", "extra": {"deep": [1, 2]}}
    obj = roundtrip(data, Identity)
    assert obj.additional_data == {"nickname": "ada", "extra": {"deep": [1, 2]}}
    # Dynamic properties of an open base type are kept on a derived type too.
    derived = roundtrip(
        {"@odata.type": "#test.a.guestIdentity", "invitedBy": "x", "n": 1}, Identity
    )
    assert type(derived) is GuestIdentity
    assert derived.additional_data == {"n": 1}


def test_instance_annotations_are_kept() -> None:
    data = {
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#documents/$entity",
        "@odata.etag": 'W/"abc"',
        "id": "d1",
        "title@odata.type": "#String",
        "title": "T",
        "content@odata.mediaReadLink": "https://example.test/d1/content",
        "custom@odata.type": "#Int64",
        "custom": 7,
    }
    obj = conv.read(data, "test.a.document")
    assert type(obj) is Document
    assert obj.odata_annotations == {
        "@odata.context": data["@odata.context"],
        "@odata.etag": 'W/"abc"',
        "title@odata.type": "#String",
        "content@odata.mediaReadLink": "https://example.test/d1/content",
        "custom@odata.type": "#Int64",
    }
    assert obj.additional_data == {"custom": 7}
    assert conv.write(obj) == data


# -- polymorphism --------------------------------------------------------------------------


def test_odata_type_of_a_derived_type_yields_the_subclass() -> None:
    data = {
        "targets": [
            {"@odata.type": "#test.a.userIdentity", "id": "u", "userPrincipalName": "u@x"},
            {"@odata.type": "#test.a.guestIdentity", "id": "g", "invitedBy": "u"},
            {"id": "plain"},
        ],
        "inviter": {"@odata.type": "#test.a.appIdentity", "id": "app"},
        "shape": {"@odata.type": "#test.a.circle", "radius": 2.0},
    }
    obj = roundtrip(data, Invitation)
    assert [type(t) for t in obj.targets] == [UserIdentity, GuestIdentity, Identity]
    assert obj.targets[1].user_principal_name is UNSET
    assert obj.targets[1].invited_by == "u"
    assert isinstance(obj.shape, Circle) and obj.shape.radius == 2.0


def test_derived_type_across_namespaces() -> None:
    data = {
        "organizer": {"@odata.type": "#test.b.participant", "isMuted": True, "role": "host"},
        "attendees": [{"isMuted": False, "replacedBy": {"isMuted": True}}],
    }
    obj = roundtrip(data, Meeting)
    assert type(obj.organizer) is BParticipant
    assert isinstance(obj.organizer, AParticipant)
    assert type(obj.attendees[0].replaced_by) is AParticipant


def test_read_as_a_base_class_honours_odata_type() -> None:
    obj = conv.read_as({"@odata.type": "#test.a.report", "id": "r", "pages": 3}, Document)
    assert type(obj) is Report and obj.pages == 3
    assert conv.structure({"@odata.type": "#test.a.square", "side": 1.0}, Shape) == _square()


def _square() -> Any:
    from tests.golden.expected.test_a.square import Square

    return Square(side=1.0)


def test_a_type_that_does_not_derive_from_the_declared_one_is_an_error() -> None:
    data = {"targets": [{"id": "ok"}, {"@odata.type": "#test.a.circle", "radius": 1.0}]}
    err = read_error(data, "test.a.invitation")
    assert err.path == "$.targets[1]"
    assert err.code == "read.not-assignable"
    assert "test.a.circle" in err.message and "test.a.identity" in err.message
    # A base type where a derived type is declared is not assignable either.
    err = read_error({"@odata.type": "#test.a.item", "id": "i"}, "test.a.document")
    assert "test.a.item" in err.message and "test.a.document" in err.message


def test_abstract_declared_type_needs_odata_type() -> None:
    err = read_error({"shape": {"label": "?"}}, "test.a.invitation")
    assert (err.path, err.code) == ("$.shape", "read.missing-type")
    assert "test.a.shape" in err.message
    assert "test.a.circle" in err.message  # names the concrete choices
    err = read_error({"shape": {"side": 1.0}}, "test.a.invitation")
    assert "its properties fit test.a.square" in err.message
    assert "test.a.circle" not in err.message
    err = read_error({"id": "e"}, "test.a.entity")
    assert err.code == "read.missing-type"
    err = read_error({"shape": {"@odata.type": "#test.a.shape"}}, "test.a.invitation")
    assert (err.path, err.code) == ("$.shape", "read.abstract")


def test_unknown_type_is_an_error_in_strict_mode() -> None:
    data = {"inviter": {"@odata.type": "#test.a.robotIdentity", "id": "r2", "model": "d2"}}
    err = read_error(data, "test.a.invitation", strict)
    assert (err.path, err.code) == ("$.inviter", "read.unknown-type")
    assert "test.a.robotIdentity" in err.message and "test.a.identity" in err.message


def test_unknown_type_falls_back_to_the_declared_type_in_lenient_mode() -> None:
    data = {"inviter": {"@odata.type": "#test.a.robotIdentity", "id": "r2", "model": "d2"}}
    obj = roundtrip(data, Invitation)
    assert type(obj.inviter) is Identity
    assert obj.inviter.id == "r2"
    assert obj.inviter.additional_data == {"model": "d2"}
    assert obj.inviter.odata_annotations == {"@odata.type": "#test.a.robotIdentity"}


def test_odata_type_must_be_a_string() -> None:
    err = read_error({"inviter": {"@odata.type": 3}}, "test.a.invitation")
    assert (err.path, err.code) == ("$.inviter", "read.bad-odata-type")


# -- writing @odata.type -------------------------------------------------------------------


def test_an_explicit_odata_type_of_the_declared_type_is_written_back() -> None:
    # The Graph docs' style: @odata.type everywhere, also where it names the declared type.
    data = {
        "@odata.type": "#test.a.invitation",
        "inviter": {"@odata.type": "#test.a.identity", "id": "i"},
        "targets": [{"@odata.type": "#test.a.identity", "id": "t"}, {"id": "u"}],
    }
    obj = roundtrip(data, Invitation)
    # The class says the type: it is not an annotation, and equality does not see it.
    assert obj.inviter.odata_annotations == {}
    assert obj == Invitation(inviter=Identity(id="i"), targets=[Identity(id="t"), Identity(id="u")])


def test_objects_made_in_python_equal_themselves_read_back() -> None:
    inv = Invitation(
        targets=[GuestIdentity(id="g"), Identity(id="i")],
        shape=Circle(radius=1.0),
        participant=AParticipant(is_muted=True),
    )
    for c in (conv, verbose):
        assert c.read(json.loads(json.dumps(c.write(inv))), "test.a.invitation") == inv


def test_odata_type_spelled_without_hash_is_kept_as_written() -> None:
    obj = roundtrip({"shape": {"@odata.type": "test.a.circle", "radius": 1.0}}, Invitation)
    assert type(obj.shape) is Circle


def test_odata_type_is_written_first_where_the_runtime_type_differs() -> None:
    inv = Invitation(
        targets=[Identity(id="i"), GuestIdentity(id="g", invited_by="i")],
        inviter=Identity(id="x"),
        shape=Circle(radius=1.0, label="c"),
    )
    out = conv.write(inv)
    assert "@odata.type" not in out
    assert out["targets"][0] == {"id": "i"}
    assert list(out["targets"][1]) == ["@odata.type", "id", "invitedBy"]
    assert out["targets"][1]["@odata.type"] == "#test.a.guestIdentity"
    assert next(iter(out["shape"])) == "@odata.type"
    assert conv.unstructure(inv) == out


def test_odata_type_everywhere_when_asked() -> None:
    inv = Invitation(targets=[Identity(id="i")], inviter=UserIdentity(id="u"))
    out = verbose.write(inv)
    assert next(iter(out)) == "@odata.type"
    assert out == {
        "@odata.type": "#test.a.invitation",
        "targets": [{"@odata.type": "#test.a.identity", "id": "i"}],
        "inviter": {"@odata.type": "#test.a.userIdentity", "id": "u"},
    }
    assert verbose.read(out, "test.a.invitation") == inv


def test_write_against_a_declared_base() -> None:
    assert conv.write(UserIdentity(id="u"), "test.a.identity") == {
        "@odata.type": "#test.a.userIdentity",
        "id": "u",
    }
    assert conv.write(UserIdentity(id="u"), "test.a.userIdentity") == {"id": "u"}
    assert conv.unstructure(UserIdentity(id="u"), Identity)["@odata.type"] == (
        "#test.a.userIdentity"
    )


def test_parameters_never_carry_an_odata_type() -> None:
    params = DocumentPublishParameters(channel="c", reviewers=[UserIdentity(id="u")])
    body = verbose.write(params)
    assert "@odata.type" not in body
    assert body["reviewers"] == [{"@odata.type": "#test.a.userIdentity", "id": "u"}]
    assert conv.write(params) == {
        "channel": "c",
        "reviewers": [{"@odata.type": "#test.a.userIdentity", "id": "u"}],
    }
    assert conv.read(body, "test.a.publish(test.a.document)") == params


# -- wrong JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path", "code"),
    [
        ({"boolean": "true"}, "$.boolean", "read.wrong-json-type"),
        ({"boolean": 1}, "$.boolean", "read.wrong-json-type"),
        ({"string": 5}, "$.string", "read.wrong-json-type"),
        ({"int32": 2**31}, "$.int32", "read.out-of-range"),
        ({"int32": -(2**31) - 1}, "$.int32", "read.out-of-range"),
        ({"byte": -1}, "$.byte", "read.out-of-range"),
        ({"sByte": 128}, "$.sByte", "read.out-of-range"),
        ({"int16": 1.5}, "$.int16", "read.wrong-json-type"),
        ({"int64": True}, "$.int64", "read.wrong-json-type"),
        ({"double": "1.5"}, "$.double", "read.wrong-json-type"),
        ({"double": False}, "$.double", "read.wrong-json-type"),
        ({"date": "13/07/2021"}, "$.date", "read.bad-date"),
        ({"timeOfDay": "25:00"}, "$.timeOfDay", "read.bad-time"),
        ({"geographyPoint": [1, 2]}, "$.geographyPoint", "read.wrong-json-type"),
        ({"color": 1}, "$.color", "read.wrong-json-type"),
        ({"cloudPCs": "pc"}, "$.cloudPCs", "read.wrong-json-type"),
        ({"cloudPCs": ["ok", 2]}, "$.cloudPCs[1]", "read.wrong-json-type"),
        ({"address": "here"}, "$.address", "read.wrong-json-type"),
        ({"addresses": [{}, {"street": 5}]}, "$.addresses[1].street", "read.wrong-json-type"),
    ],
)
def test_wrong_json_is_a_read_error_with_a_path(data: dict[str, Any], path: str, code: str) -> None:
    err = read_error(data, "test.a.primitives")
    assert (err.path, err.code) == (path, code)
    assert str(err).startswith(f"{path}: ")


def test_top_level_must_be_an_object() -> None:
    err = read_error([1], "test.a.primitives")
    assert err.path == "$"
    assert "test.a.primitives" in err.message


def test_null_for_a_non_nullable_property() -> None:
    # Lenient: kept (Graph does send it), so that writing back is lossless.
    obj = roundtrip({"required": None}, Primitives)
    assert obj.required is None
    err = read_error({"address": {"street": "s"}, "required": None}, "test.a.primitives", strict)
    assert (err.path, err.code) == ("$.required", "read.null")


# -- the registry and facts ----------------------------------------------------------------


def test_registry_resolves_every_type_and_enum_of_the_golden_package() -> None:
    facts = expected.schema()
    for qname, t in facts.types.items():
        cls = conv.class_of(qname)
        assert cls.ODATA_TYPE.removeprefix("#") == qname
        assert cls.__name__ == t.class_name
    for qname in facts.enums:
        assert conv.enum_of(qname).__name__ == facts.enums[qname].class_name
    assert conv.assignable_to("test.a.identity") == {
        "test.a.identity",
        "test.a.userIdentity",
        "test.a.guestIdentity",
        "test.a.appIdentity",
    }
    assert "test.b.participant" in conv.assignable_to("test.a.participant")


def test_facts_for_validation() -> None:
    facts = expected.schema()
    doc = facts.types["test.a.document"]
    assert (doc.kind, doc.base, doc.open, doc.has_stream, doc.key) == (
        "entity",
        "test.a.item",
        True,
        True,
        ("id",),
    )
    assert facts.types["test.a.shape"].abstract
    by_name = {p.name: p for p in conv.all_properties("test.a.document")}
    assert list(by_name)[:3] == ["id", "title", "createdDateTime"]
    assert by_name["id"].computed and by_name["id"].key and not by_name["id"].nullable
    assert by_name["versions"].navigation and by_name["versions"].collection
    prims = {p.name: p for p in facts.types["test.a.primitives"].properties}
    assert prims["string"].max_length == 50
    assert prims["price"].type == "Edm.Decimal"
    assert facts.enums["test.a.permissions"].flags
    assert facts.enums["test.a.color"].members[-1] == ("unknownFutureValue", 3)
    assert facts.entity_sets == {"documents": "test.a.document", "people": "test.a.person"}
    assert facts.singletons == {"me": "test.a.person"}
    (publish,) = facts.operations["test.a.publish"]
    assert (publish.binding, publish.return_type, publish.parameters) == (
        "test.a.document",
        "test.a.version",
        "test.a.publish(test.a.document)",
    )


def test_converter_is_shared_per_settings() -> None:
    assert expected.converter() is conv
    assert expected.converter(strict=True) is strict
    assert strict is not conv


def test_address_is_plain() -> None:
    assert roundtrip({"street": "s", "postalCode": "p"}, Address) == Address(
        street="s", postal_code="p"
    )


def test_reading_builds_tables_only_for_the_types_it_reads() -> None:
    # A type's reader is compiled without the types its properties reach: reading one object of
    # a whole-API package must not build thousands of property tables.
    fresh = ODataConverter(expected.schema(), expected.__name__)
    body = {"inviter": {"@odata.type": "#test.a.userIdentity", "id": "1"}, "shape": None}
    for _ in range(2):  # the second read takes the derived type's reader from the cache
        obj = fresh.read(copy.deepcopy(body), "test.a.invitation")
        assert isinstance(obj.inviter, UserIdentity) and obj.inviter.id == "1"
        assert obj.shape is None and obj.targets is UNSET
    assert set(fresh._tables) == {"test.a.invitation", "test.a.userIdentity"}
    # A value naming its declared type, or none, is read by that type's own walker.
    plain = fresh.read({"inviter": {"id": "2"}}, "test.a.invitation").inviter
    named = fresh.read({"inviter": {"@odata.type": "#test.a.identity"}}, "test.a.invitation")
    assert type(plain) is Identity and type(named.inviter) is Identity
    assert fresh.write(named.inviter, "test.a.identity") == {"@odata.type": "#test.a.identity"}


# -- building objects ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "qname", sorted(q for q, t in expected.schema().types.items() if not t.abstract)
)
def test_an_object_read_has_exactly_the_attributes_its_initializer_gives(qname: str) -> None:
    # A read fills the object's dictionary instead of calling the initializer: every attribute
    # the initializer sets must be there, with its default, and the containers its own.
    cls = conv.class_of(qname)
    first, second = conv.read({}, qname), conv.read({}, qname)
    assert vars(first) == vars(cls()) and list(vars(first)) == list(vars(second))
    assert first.odata_annotations is not second.odata_annotations
    assert first.additional_data is not second.additional_data
    assert conv._tables[qname].direct  # the direct build was the one tested


def test_an_object_read_keeps_its_values_annotations_and_type_flag() -> None:
    body = {"@odata.type": "#test.a.identity", "@odata.etag": "e", "id": "1", "extra": 2}
    obj = conv.read(body, "test.a.identity")
    made = Identity(id="1", odata_annotations={"@odata.etag": "e"}, additional_data={"extra": 2})
    assert obj == made and vars(obj).keys() == vars(made).keys()
    assert obj._odata_type_read and not made._odata_type_read
    assert conv.write(obj) == body


@attrs.define(kw_only=True, slots=False)
class _Hooked(Identity):
    def __attrs_post_init__(self) -> None:
        self.additional_data["hooked"] = True


@attrs.define(kw_only=True, slots=False)
class _Validated(Identity):
    id: str | Unset | None = attrs.field(
        default=UNSET, validator=attrs.validators.not_(attrs.validators.in_(["forbidden"]))
    )


@attrs.define(kw_only=True)
class _Slotted(Identity):
    rank: int = 0  # kept in a slot, not in the dictionary


@attrs.define(kw_only=True, slots=False)
class _WithFactory(Identity):
    notes: list[str] = attrs.field(factory=list)


@pytest.mark.parametrize("cls", [_Hooked, _Validated, _Slotted, _WithFactory])
def test_a_class_the_templates_do_not_make_is_read_through_its_initializer(cls: type) -> None:
    # Filling the dictionary would skip what the initializer does for these: hooks, validators,
    # slots and factories. The converter must see that and call the class.
    from tests.golden.expected._odata import _direct_state

    assert _direct_state(cls, ["id", "display_name"]) is None
    fresh = ODataConverter(expected.schema(), expected.__name__)
    fresh._classes["test.a.identity"] = cls
    obj = fresh.read({"id": "1", "displayName": "d"}, "test.a.identity")
    assert type(obj) is cls and obj == cls(id="1", display_name="d")
    if cls is _Hooked:
        assert obj.additional_data == {"hooked": True}
    if cls is _Validated:
        with pytest.raises(ValueError):
            fresh.read({"id": "forbidden"}, "test.a.identity")


def test_a_property_without_a_field_is_read_through_the_initializer() -> None:
    from tests.golden.expected._odata import _direct_state

    assert _direct_state(Identity, ["id", "display_name"]) is not None
    assert _direct_state(Identity, ["id", "not_a_field"]) is None
