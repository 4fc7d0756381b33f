"""Every rule that turns a CSDL name into a Python name, in one place."""

from __future__ import annotations

import keyword
import re

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


def snake_case(name: str) -> str:
    """camelCase/PascalCase → snake_case, keeping acronyms whole: `cloudPCs` → `cloud_pcs`."""
    s = _NOT_IDENTIFIER.sub("_", name)
    s = _WHOLE_WORD.sub(lambda m: m.group(1).capitalize(), s)
    # A plural acronym ("PCs", "IDs") is one word, not "P" + "Cs".
    s = re.sub(r"([A-Z]{2,})s(?=[A-Z]|_|$)", lambda m: m.group(1).capitalize() + "s", s)
    s = _WORD_BOUNDARY_1.sub(r"\1_\2", s)
    s = _WORD_BOUNDARY_2.sub(r"\1_\2", s)
    return s.lower().strip("_") or "_"


def pascal_case(name: str) -> str:
    """A class name: first letter upper-cased, rest as written: `callRecords` → `CallRecords`."""
    s = _NOT_IDENTIFIER.sub("_", name)
    parts = [p for p in s.split("_") if p]
    return "".join(p[0].upper() + p[1:] for p in parts) or "_"


def _fix_leading_digit(name: str, prefix: str) -> str:
    # A name of underscores only ("_" from CSDL "_" or "__") gets the prefix too: attrs derives
    # the `__init__` argument by stripping leading underscores, which would leave nothing.
    return f"{prefix}{name}" if name[:1].isdigit() or not name.strip("_") else name


def attribute_name(csdl_name: str) -> str:
    """A property's Python attribute: snake_case, `_` appended to keywords and builtins."""
    name = _fix_leading_digit(snake_case(csdl_name), "n_")
    return f"{name}_" if name in RESERVED_ATTRIBUTES else name


def class_name(csdl_name: str) -> str:
    """A type's Python class name."""
    name = _fix_leading_digit(pascal_case(csdl_name), "T")
    return f"{name}_" if keyword.iskeyword(name) or name in RESERVED_CLASSES else name


def module_name(csdl_name: str) -> str:
    """The module that holds one type: its snake_case name."""
    name = _fix_leading_digit(snake_case(csdl_name), "m_")
    return f"{name}_" if name in RESERVED_MODULES else name


def package_name(namespace: str) -> str:
    """A namespace's subpackage: `microsoft.graph.callRecords` → `microsoft_graph_call_records`."""
    return "_".join(snake_case(part) for part in namespace.split("."))


def enum_member_name(csdl_name: str) -> str:
    """An enum member, snake_case: `unknownFutureValue` → `unknown_future_value`."""
    name = _fix_leading_digit(snake_case(csdl_name), "v_")
    return f"{name}_" if keyword.iskeyword(name) or name in ("name", "value", "mro") else name


def unique(names: list[str]) -> list[str]:
    """Make names unique in order: a second `x` becomes `x_2`, deterministically."""
    seen: dict[str, int] = {}
    out: list[str] = []
    taken = set(names)
    for n in names:
        if n not in seen:
            seen[n] = 1
            out.append(n)
            continue
        i = seen[n] + 1
        while f"{n}_{i}" in taken:
            i += 1
        seen[n] = i
        taken.add(f"{n}_{i}")
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
