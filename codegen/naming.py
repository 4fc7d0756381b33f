"""Every rule that turns a CSDL name into a Python name, in one place."""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Callable

# Names an attribute must not take: keywords; names that annotations in the class body use
# (mypy resolves `x: str` against a field named `str` declared above it); and the fields every
# generated class already has. `id` and other builtins are fine: a field never calls them.
ANNOTATION_NAMES = frozenset(
    {
        "bool", "bytes", "date", "datetime", "time", "timedelta", "dict", "float", "int",
        "list", "object", "str", "tuple", "type", "Any", "Decimal", "UUID", "Unset", "UNSET",
        "attrs", "annotations", "TYPE_CHECKING", "ClassVar",
    }
)  # fmt: skip
RESERVED_ATTRIBUTES = frozenset(
    {
        *keyword.kwlist,
        *keyword.softkwlist,
        *ANNOTATION_NAMES,
        "odata_annotations",
        "additional_data",
        "self",
        "cls",
    }
)
# Names a generated module imports beside its classes (`Unset` and `ODataObject` in a class
# module, `OpenEnum` in an enum module, `Any` in a namespace `__init__`, `Decimal`/`UUID` in
# annotations): a class of the same name would shadow them.
RESERVED_CLASSES = frozenset(
    {
        "Any",
        "ClassVar",
        "Decimal",
        "ODataObject",
        "OpenEnum",
        "TYPE_CHECKING",
        "UNSET",
        "UUID",
        "Unset",
    }
)
RESERVED_MODULES = frozenset({*keyword.kwlist, *keyword.softkwlist, "types", "typing", "enum"})
# The lower-case names of the generated package's `__init__`, which a subpackage would replace.
PACKAGE_GLOBALS = frozenset({"converter", "schema", "cache", "annotations"})

# A run of capitals followed by a capitalised word ("HTTPServer" → "HTTP", "Server") or a
# capital after a lower-case letter or digit starts a new word. Acronyms stay whole.
_WORD_BOUNDARY_1 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_BOUNDARY_2 = re.compile(r"([a-z0-9])([A-Z])")
_NOT_IDENTIFIER = re.compile(r"\W+")


# Words whose own capitals are not word starts: `iCloud` is one word, not "i" + "Cloud". Matched
# without regard to case where a word may begin (`sharedIPad`), longest first.
WHOLE_WORDS = (
    "iMessage", "iPadOS", "iBooks", "iCloud", "iPhone", "iTunes", "macOS", "OAuth",
    "iPad", "iPod", "IPv4", "IPv6", "eTag", "cTag", "iOS", "MHz", "GHz",
)  # fmt: skip
_WHOLE_WORD = re.compile(
    r"(?:(?<=^)|(?<=[_\d])|(?=[A-Z]))((?i:" + "|".join(WHOLE_WORDS) + r"))(?=[A-Z\d_]|$)"
)


def nfkc(name: str) -> str:
    """The NFKC form Python gives an identifier: `ﬁeld` and `field` are one name to it."""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def _python_name(name: str, prefix: str) -> str:
    """NFKC form, each character that cannot stand in a Python identifier replaced by `_`, and
    `prefix` before a name that cannot start one (a digit or a mark first) or is only `_`s:
    attrs derives the `__init__` argument by stripping leading underscores."""
    name = nfkc(name)
    if not name.isidentifier():
        name = "".join(ch if f"_{ch}".isidentifier() else "_" for ch in name)
    if not name.strip("_") or not name.isidentifier():
        name = f"{prefix}{name}"
    return name


def snake_case(name: str) -> str:
    """camelCase/PascalCase → snake_case, keeping acronyms whole: `cloudPCs` → `cloud_pcs`."""
    s = _NOT_IDENTIFIER.sub("_", nfkc(name))
    s = _WHOLE_WORD.sub(lambda m: m.group(1).capitalize(), s)
    # A plural acronym ("PCs", "IDs") is one word, not "P" + "Cs".
    s = re.sub(r"([A-Z]{2,})s(?=[A-Z]|_|$)", lambda m: m.group(1).capitalize() + "s", s)
    s = _WORD_BOUNDARY_1.sub(r"\1_\2", s)
    s = _WORD_BOUNDARY_2.sub(r"\1_\2", s)
    return s.lower().strip("_") or "_"


def pascal_case(name: str) -> str:
    """A class name: first letter upper-cased, rest as written: `callRecords` → `CallRecords`."""
    s = _NOT_IDENTIFIER.sub("_", nfkc(name))
    parts = [p for p in s.split("_") if p]
    return "".join(p[0].upper() + p[1:] for p in parts) or "_"


def attribute_name(csdl_name: str) -> str:
    """A property's Python attribute: snake_case, `_` appended to keywords and builtins."""
    name = _python_name(snake_case(csdl_name), "n_")
    return f"{name}_" if name in RESERVED_ATTRIBUTES else name


def class_name(csdl_name: str) -> str:
    """A type's Python class name."""
    name = _python_name(pascal_case(csdl_name), "T")
    if name.startswith("ClassVar"):
        # attrs takes an annotation whose text starts with `ClassVar` for a class variable, not
        # a field: `ClassVar_ | None | Unset` (or `ClassVariant | …`) would lose the field.
        return f"T{name}"
    return f"{name}_" if keyword.iskeyword(name) or name in RESERVED_CLASSES else name


def module_name(csdl_name: str) -> str:
    """The module that holds one type: its snake_case name."""
    name = _python_name(snake_case(csdl_name), "m_")
    return f"{name}_" if name in RESERVED_MODULES else name


def package_name(namespace: str) -> str:
    """A namespace's subpackage: `microsoft.graph.callRecords` → `microsoft_graph_call_records`."""
    name = "_".join(snake_case(part) for part in namespace.split("."))
    name = _python_name(name, "ns_")
    return f"{name}_" if name in RESERVED_MODULES else name


def enum_member_name(csdl_name: str) -> str:
    """An enum member, snake_case: `unknownFutureValue` → `unknown_future_value`."""
    name = _python_name(snake_case(csdl_name), "v_")
    return f"{name}_" if keyword.iskeyword(name) or name in ("name", "value", "mro") else name


def same(name: str) -> str:
    """The comparison key of names that must differ exactly (attributes, classes)."""
    return name


def file_key(name: str) -> str:
    """The comparison key of module and package names: a case-insensitive file system (and
    Python's NFKC) treats `Foo`, `foo` and `ﬀoo` alike, so they must differ in this form."""
    return nfkc(name).casefold()


def unique(
    names: list[str], key: Callable[[str], str] = same, taken: frozenset[str] = frozenset()
) -> list[str]:
    """The one collision rule: in order, the first of names equal under `key` keeps its name and
    each later one gets the first free `_2`, `_3`…; `taken` (by key) are never given out."""
    out: list[str] = []
    used = set(taken)
    wanted = {key(n) for n in names}
    for n in names:
        k = key(n)
        if k not in used:
            used.add(k)
            out.append(n)
            continue
        i = 2
        while key(f"{n}_{i}") in used or key(f"{n}_{i}") in wanted:
            i += 1
        used.add(key(f"{n}_{i}"))
        out.append(f"{n}_{i}")
    return out


def parameters_class_name(operation: str, binding: str | None, collection: bool) -> str:
    """The class of an operation's parameters, as `codegen.plan` names it before making it
    unique: `answer` bound to `call` → `CallAnswerParameters`."""
    stem = pascal_case(operation)
    if binding is not None:
        stem = pascal_case(binding) + stem
        if collection:
            stem = f"CollectionOf{stem}"
    return f"{stem}Parameters"
