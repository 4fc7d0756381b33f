"""The naming rules, table by table: every generated name goes through `codegen.naming`."""

from __future__ import annotations

import keyword

import attrs
import pytest

from codegen import naming

SNAKE_CASE = [
    # Plain camelCase and PascalCase.
    ("displayName", "display_name"),
    ("userPrincipalName", "user_principal_name"),
    ("id", "id"),
    ("A", "a"),
    ("aB", "a_b"),
    # Acronyms stay whole, plural acronyms too.
    ("cloudPCs", "cloud_pcs"),
    ("deviceIDs", "device_ids"),
    ("externalIDs", "external_ids"),
    ("deviceIDsV2", "device_ids_v2"),
    ("userIDsList", "user_ids_list"),
    ("PCsAndIDs", "pcs_and_ids"),
    ("URLs", "urls"),
    ("HTTPServer", "http_server"),
    ("VTCId", "vtc_id"),
    ("isMFARegistered", "is_mfa_registered"),
    ("onPremisesSAMAccountName", "on_premises_sam_account_name"),
    ("ABC", "abc"),
    ("isIOS", "is_ios"),
    # Words whose inner capitals do not start words, wherever a word may begin.
    ("iCloudBlockMail", "icloud_block_mail"),
    ("enableSharedIPad", "enable_shared_ipad"),
    ("iPhoneAndIPod", "iphone_and_ipod"),
    ("iPadOSVersion", "ipados_version"),
    ("IPv4Address", "ipv4_address"),
    ("networkSourceIPv6", "network_source_ipv6"),
    ("OAuth2PermissionGrant", "oauth2_permission_grant"),
    ("useOAuth", "use_oauth"),
    ("eTag", "etag"),
    ("cTag", "ctag"),
    ("minimumCpuSpeedInMHz", "minimum_cpu_speed_in_mhz"),
    ("macOSVersion", "macos_version"),
    ("iOSVersion", "ios_version"),
    # ... but not inside another word.
    ("BiosVersion", "bios_version"),
    ("metaGroup", "meta_group"),
    ("sometag", "sometag"),
    # Digits stay with the word before them.
    ("sha256Hash", "sha256_hash"),
    ("x509Certificate", "x509_certificate"),
    ("int32", "int32"),
    # Non-identifier characters become one underscore; edges are trimmed.
    ("a-b", "a_b"),
    ("microsoft.graph", "microsoft_graph"),
    ("_private", "private"),
    ("__", "_"),
]


@pytest.mark.parametrize(("csdl", "expected"), SNAKE_CASE)
def test_snake_case(csdl: str, expected: str) -> None:
    assert naming.snake_case(csdl) == expected


ATTRIBUTES = [
    ("cloudPCs", "cloud_pcs"),
    ("displayName", "display_name"),
    # Keywords and soft keywords get a trailing underscore.
    ("from", "from_"),
    ("class", "class_"),
    ("import", "import_"),
    ("async", "async_"),
    ("match", "match_"),
    ("None", "none"),
    # Names the class body's annotations use would shadow them for mypy.
    ("type", "type_"),
    ("str", "str_"),
    ("int", "int_"),
    ("list", "list_"),
    ("date", "date_"),
    ("datetime", "datetime_"),
    ("bytes", "bytes_"),
    ("annotations", "annotations_"),
    # Fields every generated class already has.
    ("additionalData", "additional_data_"),
    ("odataAnnotations", "odata_annotations_"),
    ("self", "self_"),
    # Builtins that annotations never use are fine as fields.
    ("id", "id"),
    ("print", "print"),
    ("name", "name"),
    # A leading digit gets a prefix.
    ("2fa", "n_2fa"),
    ("365Days", "n_365_days"),
]


@pytest.mark.parametrize(("csdl", "expected"), ATTRIBUTES)
def test_attribute_name(csdl: str, expected: str) -> None:
    name = naming.attribute_name(csdl)
    assert name == expected
    assert name.isidentifier()
    assert not keyword.iskeyword(name)


CLASSES = [
    ("call", "Call"),
    ("callRecords", "CallRecords"),
    ("cloudPC", "CloudPC"),
    ("HTTPServer", "HTTPServer"),
    ("participant", "Participant"),
    ("2fa", "T2fa"),
    ("None", "None_"),
    ("True", "True_"),
    ("a-b", "AB"),
    # Names generated modules import would be shadowed by a class of the same name.
    ("unset", "Unset_"),
    ("any", "Any_"),
    ("decimal", "Decimal_"),
    ("uUID", "UUID_"),
    ("openEnum", "OpenEnum_"),
    ("oDataObject", "ODataObject_"),
]


@pytest.mark.parametrize(("csdl", "expected"), CLASSES)
def test_class_name(csdl: str, expected: str) -> None:
    assert naming.class_name(csdl) == expected


MODULES = [
    ("call", "call"),
    ("commsNotifications", "comms_notifications"),
    ("cloudPC", "cloud_pc"),
    ("class", "class_"),
    ("import", "import_"),
    ("enum", "enum_"),  # would shadow the standard library module inside the package
    ("typing", "typing_"),
    ("types", "types_"),
    ("2fa", "m_2fa"),
]


@pytest.mark.parametrize(("csdl", "expected"), MODULES)
def test_module_name(csdl: str, expected: str) -> None:
    assert naming.module_name(csdl) == expected


PACKAGES = [
    ("microsoft.graph", "microsoft_graph"),
    ("microsoft.graph.callRecords", "microsoft_graph_call_records"),
    ("microsoft.graph.externalConnectors", "microsoft_graph_external_connectors"),
    ("test.a", "test_a"),
]


@pytest.mark.parametrize(("namespace", "expected"), PACKAGES)
def test_package_name(namespace: str, expected: str) -> None:
    assert naming.package_name(namespace) == expected


ENUM_MEMBERS = [
    ("unknownFutureValue", "unknown_future_value"),
    ("red", "red"),
    ("VTCId", "vtc_id"),
    # Enum's own attributes and keywords.
    ("name", "name_"),
    ("value", "value_"),
    ("mro", "mro_"),
    ("class", "class_"),
    ("None", "none"),
    # Leading digits, as in Graph's `1080p`-style members.
    ("1080p", "v_1080p"),
]


@pytest.mark.parametrize(("csdl", "expected"), ENUM_MEMBERS)
def test_enum_member_name(csdl: str, expected: str) -> None:
    assert naming.enum_member_name(csdl) == expected


UNIQUE = [
    (["a", "b"], ["a", "b"]),
    (["a", "a"], ["a", "a_2"]),
    (["a", "a", "a"], ["a", "a_2", "a_3"]),
    # A generated suffix never takes a name that is already in the list.
    (["a", "a", "a_2"], ["a", "a_3", "a_2"]),
    (["a", "a", "a_2", "a"], ["a", "a_3", "a_2", "a_4"]),
    ([], []),
]


@pytest.mark.parametrize(("names", "expected"), UNIQUE)
def test_unique(names: list[str], expected: list[str]) -> None:
    out = naming.unique(names)
    assert out == expected
    assert len(set(out)) == len(out)


def test_unique_is_deterministic_and_keeps_first_occurrence() -> None:
    names = ["participant", "participant", "call", "participant"]
    assert naming.unique(names) == naming.unique(list(names))
    assert naming.unique(names)[0] == "participant"


@pytest.mark.parametrize("word", sorted({*keyword.kwlist, *keyword.softkwlist}))
def test_no_keyword_survives(word: str) -> None:
    for name in (
        naming.attribute_name(word),
        naming.class_name(word),
        naming.module_name(word),
        naming.enum_member_name(word),
    ):
        assert name.isidentifier(), name
        assert not keyword.iskeyword(name), name


@pytest.mark.parametrize("csdl", ["_", "__"])
def test_underscore_only_names_make_usable_attrs_fields(csdl: str) -> None:
    # attrs strips leading underscores to name the __init__ argument; "_" would leave nothing.
    attr = naming.attribute_name(csdl)
    assert attr.strip("_"), attr
    cls = attrs.make_class("C", {attr: attrs.field(default=None)}, kw_only=True)
    assert getattr(cls(**{attr: 1}), attr) == 1
