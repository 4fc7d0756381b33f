"""The models handle: which generated package the runtime checks and reads bodies with.

The runtime never imports a models package by name. Every entry point takes a `Models` (or
an import name, or an API version) and reaches the package's converter, facts, errors and
classes through it, so a copy vendored under another name (`mysdk.models`) or a second API
version works the same. The committed packages are named in one place, `DEFAULT_PACKAGES`,
relative to this package's own name: in a checkout `runtime.checking.models` finds `generated.beta`,
in the wheel `graph_calls_models.runtime.checking.models` finds `graph_calls_models.generated.beta`.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from .validate import SchemaIndex

__all__ = [
    "DEFAULT_PACKAGES",
    "DEFAULT_VERSION",
    "Checked",
    "EnumFacts",
    "Models",
    "ModelsError",
    "ModelsPackage",
    "ODataConverter",
    "ODataObject",
    "OperationFacts",
    "PropertyFacts",
    "ReadError",
    "SchemaFacts",
    "TypeFacts",
    "TypeNotInPackage",
    "default_models",
    "is_a",
    "load_models",
    "models_for",
    "models_of",
    "odata_of",
    "version_of_url",
]

# Empty in a checkout; `graph_calls_models.` when the runtime lives inside the wheel's package.
_PREFIX = "".join(f"{part}." for part in __name__.split(".")[:-3])
# API version (as in URLs) → the import name of the committed package generated for it.
DEFAULT_PACKAGES: dict[str, str] = {
    "beta": f"{_PREFIX}generated.beta",
    "v1.0": f"{_PREFIX}generated.v1_0",
}
DEFAULT_VERSION = "beta"
_VERSION_IN_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://[^/]*)?/(beta|v1\.0)(?:/|$|\?)", re.I)
_IMPORT_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


# -- what the runtime uses of a models package: a small typed interface ----------------------
# Every generated package (its `_odata.py`) satisfies these structurally; the runtime is typed
# against them, never against one copy's classes.


class PropertyFacts(Protocol):
    """A declared property or parameter (the package's `PropertyFacts`)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def collection(self) -> bool: ...
    @property
    def nullable(self) -> bool: ...
    @property
    def key(self) -> bool: ...
    @property
    def computed(self) -> bool: ...
    @property
    def immutable(self) -> bool: ...
    @property
    def navigation(self) -> bool: ...


class TypeFacts(Protocol):
    """A structured type (the package's `TypeFacts`)."""

    @property
    def qname(self) -> str: ...
    @property
    def base(self) -> str | None: ...
    @property
    def properties(self) -> Sequence[PropertyFacts]: ...


class EnumFacts(Protocol):
    """An enumeration type (the package's `EnumFacts`)."""

    @property
    def qname(self) -> str: ...
    @property
    def flags(self) -> bool: ...


class OperationFacts(Protocol):
    """An action or function (the package's `OperationFacts`)."""

    @property
    def qname(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def parameters(self) -> str: ...
    @property
    def binding(self) -> str | None: ...
    @property
    def binding_collection(self) -> bool: ...
    @property
    def return_type(self) -> str | None: ...
    @property
    def return_collection(self) -> bool: ...


class SchemaFacts(Protocol):
    """Everything a package knows about its metadata (the package's `SchemaFacts`)."""

    @property
    def types(self) -> Mapping[str, TypeFacts]: ...
    @property
    def enums(self) -> Mapping[str, EnumFacts]: ...
    @property
    def operations(self) -> Mapping[str, Sequence[OperationFacts]]: ...
    @property
    def singletons(self) -> Mapping[str, str]: ...
    @property
    def routes(self) -> Mapping[str, tuple[str, bool]]: ...


class PackageFinding(Protocol):
    """One finding of a package's checker (the package's `Finding`)."""

    @property
    def severity(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def message(self) -> str: ...


class Checked(Protocol):
    """The outcome of a checking read (the package's `Checked`)."""

    @property
    def value(self) -> Any: ...
    @property
    def findings(self) -> Sequence[PackageFinding]: ...
    @property
    def dynamic(self) -> Mapping[str, Any]: ...


class ReadError(Protocol):
    """What a package's reader raises (a `ValueError` located by JSON path)."""

    path: str
    message: str
    code: str

    def at(self, prefix: str) -> ReadError:
        """The same error under a parent path."""
        ...


ODataObject = Any
"""An instance of a package's generated classes (each derives from its `ODataObject`)."""


class ODataConverter(Protocol):
    """A package's converter and checker (the package's `ODataConverter`)."""

    @property
    def facts(self) -> SchemaFacts: ...

    def check(
        self,
        data: Any,
        qname: str,
        *,
        collection: bool = False,
        partial: bool = False,
        dynamic: Mapping[str, Any] | None = None,
    ) -> Checked:
        """Read `data` as `qname`, collecting every finding."""
        ...

    def read(self, data: Any, qname: str) -> Any:
        """Read `data` as `qname`; raise the package's `ReadError` at the first error."""
        ...

    def write(self, obj: Any, declared: str | None = None) -> dict[str, Any]:
        """An object back to JSON."""
        ...

    def write_value(self, value: Any, qname: str, *, collection: bool = False) -> Any:
        """A value of a declared type back to JSON."""
        ...

    def all_properties(self, qname: str) -> Sequence[PropertyFacts]:
        """Declared and inherited properties of a structured type."""
        ...

    def assignable_to(self, qname: str) -> frozenset[str]:
        """`qname` and every type derived from it."""
        ...

    def class_of(self, qname: str) -> type[Any]:
        """The generated class of a structured type."""
        ...

    def enum_of(self, qname: str) -> type[Any]:
        """The generated class of an enum type."""
        ...


class ModelsError(ValueError):
    """A models package that cannot be used: not importable, or not a generated package."""


class TypeNotInPackage(KeyError):
    """A qualified name that the models package does not hold."""

    def __init__(self, models: Models, qname: str) -> None:
        super().__init__(qname)
        self.qname = qname
        self.message = models.missing_type_message(qname)

    def __str__(self) -> str:
        return self.message


class ModelsPackage(Protocol):
    """What the runtime uses of a generated models package's top-level module."""

    __name__: str
    ReadError: type[Exception]
    ODataObject: type[Any]

    def converter(self, *, strict: bool = False, always_emit_type: bool = False) -> Any:
        """The shared converter for these settings."""

    def schema(self) -> Any:
        """The package's metadata facts."""

    def manifest(self) -> dict[str, Any]:
        """What generated the package."""


class Models:
    """One generated models package (its converters, facts, errors and classes), by handle."""

    def __init__(self, module: ModuleType | ModelsPackage) -> None:
        missing = [n for n in ("converter", "schema", "ReadError") if not hasattr(module, n)]
        if missing:
            raise ModelsError(
                f"{module.__name__} is not a generated models package (it has no "
                f"{', '.join(missing)}); generate one with `graph-codegen generate`"
            )
        self.module = cast(ModelsPackage, module)
        self.name: str = module.__name__

    def __repr__(self) -> str:
        return f"Models({self.name!r})"

    @property
    def facts(self) -> SchemaFacts:
        """The package's metadata facts (types, enums, operations, entity sets)."""
        return cast("SchemaFacts", self.module.schema())

    def converter(self, *, strict: bool = False, always_emit_type: bool = False) -> ODataConverter:
        """The package's shared converter for these settings."""
        return cast(
            "ODataConverter",
            self.module.converter(strict=strict, always_emit_type=always_emit_type),
        )

    @property
    def read_error(self) -> type[Exception]:
        """The exception the package's reader raises (a `ValueError` with a JSON path)."""
        return self.module.ReadError

    @property
    def odata_object(self) -> type[Any]:
        """The base class of every generated class of the package."""
        return self.module.ODataObject

    @cached_property
    def index(self) -> SchemaIndex:
        """The package's facts with its strict and lenient converters, made once."""
        from .validate import SchemaIndex

        return SchemaIndex(
            self.facts,
            self.converter(strict=False),
            self.converter(strict=True),
            package=self.name,
        )

    @cached_property
    def roots(self) -> tuple[str, ...]:
        """The types the package was generated for (its manifest's roots)."""
        try:
            roots = self.module.manifest().get("roots", [])
        except (OSError, ValueError, AttributeError):
            return ()
        return tuple(r for r in roots if isinstance(r, str))

    def has_type(self, qname: str) -> bool:
        """Whether the package holds the structured or enum type `qname`."""
        facts = self.facts
        return qname in facts.types or qname in facts.enums

    def class_of(self, qname: str) -> type[Any]:
        """The generated class of a structured type (`microsoft.graph.call`)."""
        if qname not in self.facts.types:
            raise TypeNotInPackage(self, qname)
        return self.converter().class_of(qname)

    def missing_type_message(self, qname: str) -> str:
        """Why `qname` is not found, and how to generate a package that has it."""
        roots = " ".join(f"--root {r}" for r in (*self.roots, qname))
        return (
            f"{qname} is not in the models package {self.name}: it holds the closure of its "
            f"roots ({', '.join(self.roots) or 'none recorded'}), not the whole API; to check "
            f"this type, regenerate with it as a root: graph-codegen generate --metadata "
            f"METADATA.xml {roots} --out DIR --package NAME, then pass --models NAME"
        )


def is_a(obj: object, qname: str) -> bool:
    """Whether `obj` is a generated object of the CSDL type `qname` or of a type derived from it,
    from any models package (the runtime never tests against one package's classes)."""
    cls = type(obj)
    found = _IS_A.get((cls, qname))
    if found is None:
        wanted = f"#{qname}"
        found = any(getattr(c, "ODATA_TYPE", None) == wanted for c in cls.__mro__)
        if len(_IS_A) < _IS_A_LIMIT:
            _IS_A[cls, qname] = found
    return found


# The answers of `is_a` by class: the tracker asks of every item of every notification, and a
# package has a fixed set of classes. Bounded all the same.
_IS_A: dict[tuple[type, str], bool] = {}
_IS_A_LIMIT = 4096


def odata_of(converter: ODataConverter) -> ModuleType:
    """The `_odata` module of the package a converter belongs to (its helpers and records)."""
    return sys.modules[type(converter).__module__]


def models_of(obj: object) -> Models | None:
    """The models package a generated object's class comes from (None for other objects)."""
    module = type(obj).__module__
    while "." in module:
        module = module.rpartition(".")[0]
        found = sys.modules.get(module)
        if found is not None and hasattr(found, "converter") and hasattr(found, "schema"):
            return load_models(module)
    return None


@cache
def load_models(name: str) -> Models:
    """The models package with this import name (`generated.beta`, `mysdk.models`)."""
    if not _IMPORT_NAME.match(name):
        raise ModelsError(f"{name!r} is not an import name (dotted identifiers)")
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise ModelsError(f"cannot import the models package {name!r}: {exc}") from None
    return Models(module)


def default_models(version: str = DEFAULT_VERSION) -> Models:
    """The committed package of an API version (`beta`, `v1.0`)."""
    key = str(getattr(version, "value", version)).strip().lower()
    try:
        return load_models(DEFAULT_PACKAGES[key])
    except KeyError:
        known = ", ".join(DEFAULT_PACKAGES)
        raise ModelsError(f"no models package for API version {version!r} ({known})") from None


def version_of_url(url: str) -> str | None:
    """The API version a Graph URL names (`/beta/…`, `/v1.0/…`), or None."""
    found = _VERSION_IN_URL.match(url.strip())
    return found.group(1).lower() if found else None


def models_for(
    models: Models | str | None = None, *, version: str | None = None, url: str | None = None
) -> Models:
    """The handle to use: `models` as given (a handle or an import name), else the committed
    package of `version`, else of the version in `url`, else of the default version."""
    if isinstance(models, Models):
        return models
    if isinstance(models, str):
        return load_models(models)
    if version is None and url is not None:
        version = version_of_url(url)
    return default_models(version or DEFAULT_VERSION)
