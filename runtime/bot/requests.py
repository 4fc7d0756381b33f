"""Build the requests of the calls API as plain data: method, URL, headers and body bytes.

Bodies are written from the generated models with the converter and validated strictly before
a request is returned, so nothing the metadata refuses ever leaves the process. The bound
actions are derived from the package's operation facts, not listed here: every action bound to
`call` or `participant` (or to a collection of them) gets a URL template, and `action()` finds
the operation from the class of the parameters object it is given.

```python
calls = CallsRequests(Cloud.GLOBAL, "v1.0")
request = calls.create_call(Call(callback_uri=..., targets=[...], ...))
request = calls.action(CallAnswerParameters(...), call_id="…")
request = calls.action(ParticipantMuteParameters(), call_id="…", participant_id="…")
```
"""

from __future__ import annotations

import enum
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..checking.bodies import Validator, validator_for
from ..checking.findings import Finding, has_errors
from ..checking.models import Models, models_for, models_of
from .errors import InvalidBodyError

if TYPE_CHECKING:
    from ..checking.models import ODataConverter, ODataObject, SchemaFacts

CALL = "microsoft.graph.call"
PARTICIPANT = "microsoft.graph.participant"


class Cloud(enum.Enum):
    """The national clouds of Microsoft Graph, by the base URL of each."""

    GLOBAL = "https://graph.microsoft.com"
    US_GOV_L4 = "https://graph.microsoft.us"
    US_GOV_L5_DOD = "https://dod-graph.microsoft.us"
    CHINA = "https://microsoftgraph.chinacloudapi.cn"

    @classmethod
    def parse(cls, value: Cloud | str) -> Cloud:
        """A cloud from a member, its name (`"global"`, `"usgov-l4"`, `"dod"`…) or base URL."""
        if isinstance(value, Cloud):
            return value
        if not isinstance(value, str):
            raise TypeError(f"cloud must be a Cloud or a str, not {type(value).__name__}")
        text = value.strip()
        for member in cls:
            if text.rstrip("/") == member.value:
                return member
        found = _CLOUD_NAMES.get(text.lower().replace("_", "-").replace(" ", "-"))
        if found is None:
            raise ValueError(
                f"unknown cloud {value[:60]!r}; use a Cloud member or one of "
                f"{', '.join(sorted(_CLOUD_NAMES))}"
            )
        return cls[found]


# The names people use for each cloud (Microsoft's docs, the .NET SDK, Azure CLI).
_CLOUD_NAMES = {
    "global": "GLOBAL",
    "public": "GLOBAL",
    "worldwide": "GLOBAL",
    "us-gov-l4": "US_GOV_L4",
    "usgov-l4": "US_GOV_L4",
    "usgov": "US_GOV_L4",
    "gcc-high": "US_GOV_L4",
    "us-gov-l5": "US_GOV_L5_DOD",
    "usgov-l5": "US_GOV_L5_DOD",
    "us-gov-l5-dod": "US_GOV_L5_DOD",
    "dod": "US_GOV_L5_DOD",
    "china": "CHINA",
    "21vianet": "CHINA",
}


class Version(enum.StrEnum):
    """The API versions of Microsoft Graph; plain strings (`"v1.0"`, `"beta"`) work too."""

    V1 = "v1.0"
    BETA = "beta"

    @classmethod
    def parse(cls, value: Version | str) -> Version:
        """A version from a member or its text, whatever the case (`"v1.0"`, `"Beta"`)."""
        if isinstance(value, Version):
            return value
        if not isinstance(value, str):
            raise TypeError(f"version must be a Version or a str, not {type(value).__name__}")
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValueError(f"version must be 'beta' or 'v1.0', not {value[:60]!r}") from None


@dataclass(frozen=True, slots=True)
class GraphRequest:
    """A request ready to send with any HTTP client; `findings` keeps non-error notes."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None = None
    body_type: str | None = None
    returns: str | None = None
    findings: tuple[Finding, ...] = ()
    models: str | None = None
    """The import name of the models package its body was checked with, and its response is
    to be read with (None: the one of the URL's API version)."""

    def json(self) -> Any:
        """The body parsed back into JSON values (None when there is no body)."""
        return None if self.body is None else json.loads(self.body)


@dataclass(frozen=True, slots=True)
class BoundAction:
    """An action bound to a call or participant: its URL template and parameters type."""

    name: str
    qname: str
    binding: str
    binding_collection: bool
    parameters: str
    returns: str | None
    path: str
    """Relative to the calls root, e.g. `{call_id}/participants/{participant_id}/mute`."""
    placeholders: tuple[str, ...] = field(default=())


def _call_navigation(facts: SchemaFacts, qname: str) -> str | None:
    """The navigation property of `call` that leads to entities of `qname`, if any."""
    for p in facts.types[CALL].properties:
        if p.navigation and p.collection and p.type == qname:
            return p.name
    return None


def bound_actions(
    facts: SchemaFacts | None = None, models: Models | None = None
) -> dict[str, BoundAction]:
    """Every action bound to a call or participant (or a collection of them), by parameters type."""
    facts = facts if facts is not None else models_for(models).facts
    participants = _call_navigation(facts, PARTICIPANT)
    out: dict[str, BoundAction] = {}
    for overloads in facts.operations.values():
        for op in overloads:
            if op.kind != "action" or op.binding not in (CALL, PARTICIPANT):
                continue
            name = op.qname.rsplit(".", 1)[-1]
            if op.binding == CALL:
                ids: tuple[str, ...] = () if op.binding_collection else ("call_id",)
                path = name if op.binding_collection else f"{{call_id}}/{name}"
            elif participants is None:
                continue  # a participant action the facts give no URL to
            elif op.binding_collection:
                path, ids = f"{{call_id}}/{participants}/{name}", ("call_id",)
            else:
                path = f"{{call_id}}/{participants}/{{participant_id}}/{name}"
                ids = ("call_id", "participant_id")
            out[op.parameters] = BoundAction(
                name=name,
                qname=op.qname,
                binding=op.binding,
                binding_collection=op.binding_collection,
                parameters=op.parameters,
                returns=op.return_type,
                path=path,
                placeholders=ids,
            )
    return out


@cache
def _actions_of(models: Models) -> dict[str, BoundAction]:
    return bound_actions(models=models)


def _encode(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class CallsRequests:
    """Builds calls-API requests for one cloud and API version."""

    def __init__(
        self,
        cloud: Cloud | str = Cloud.GLOBAL,
        version: Version | str = Version.V1,
        *,
        legacy_app_path: bool = False,
        converter: ODataConverter | None = None,
        validator: Validator | None = None,
        base_url: str | None = None,
        models: Models | str | None = None,
    ) -> None:
        """`base_url` replaces the cloud's host (a proxy, or a test server). `cloud` and
        `version` take members or strings (`"global"`, `"usgov-l4"`; `"v1.0"`, `"beta"`).
        Bodies are checked against `models` (a handle or an import name), by default the
        committed package of `version`."""
        cloud = Cloud.parse(cloud)
        version = Version.parse(version)
        if legacy_app_path:
            warnings.warn(
                "the /app/calls path is deprecated; use /communications/calls",
                DeprecationWarning,
                stacklevel=2,
            )
        self.cloud = cloud
        self.version = version
        root = "app/calls" if legacy_app_path else "communications/calls"
        host = (base_url or cloud.value).rstrip("/")
        self.calls_url = f"{host}/{version.value}/{root}"
        self.models = models_for(models, version=version.value)
        self.converter = converter if converter is not None else self.models.converter()
        self.validator = (
            validator if validator is not None else validator_for("request", self.models)
        )
        self.actions = _actions_of(self.models)

    def _write(self, body: ODataObject, qname: str) -> Any:
        """The JSON of `body`; an object of another models package (a beta `Call` sent to
        v1.0) is written by its own package and then checked against this one."""
        if isinstance(body, self.models.odata_object):
            return self.converter.write(body, qname)
        other = models_of(body)
        if other is None:
            raise TypeError(f"{type(body).__name__} is not a generated models object")
        return other.converter().write(body, qname)

    def _body_request(
        self, method: str, url: str, body: ODataObject, qname: str, returns: str | None, what: str
    ) -> GraphRequest:
        value = self._write(body, qname)
        findings = tuple(self.validator(value, qname))
        if has_errors(findings):
            raise InvalidBodyError(f"{what} body ({qname})", findings)
        return GraphRequest(
            method,
            url,
            {"Content-Type": "application/json", "Accept": "application/json"},
            _encode(value),
            qname,
            returns,
            findings,
            self.models.name,
        )

    def call_url(self, call_id: str) -> str:
        """The URL of one call."""
        return f"{self.calls_url}/{_segment(call_id, 'call_id')}"

    def create_call(self, call: ODataObject) -> GraphRequest:
        """`POST …/communications/calls`: place an outgoing call or join a meeting."""
        if getattr(type(call), "ODATA_TYPE", None) != f"#{CALL}":
            raise TypeError(f"create_call takes a Call, not {type(call).__name__}")
        return self._body_request("POST", self.calls_url, call, CALL, CALL, "create call")

    def delete_call(self, call_id: str) -> GraphRequest:
        """`DELETE …/communications/calls/{id}`: hang up."""
        return GraphRequest(
            "DELETE",
            self.call_url(call_id),
            {"Accept": "application/json"},
            models=self.models.name,
        )

    def action(
        self,
        parameters: ODataObject,
        *,
        call_id: str | None = None,
        participant_id: str | None = None,
    ) -> GraphRequest:
        """`POST` the bound action whose parameters class `parameters` is an instance of."""
        qname = type(parameters).ODATA_TYPE.removeprefix("#")
        spec = self.actions.get(qname)
        if spec is None:
            raise TypeError(
                f"{type(parameters).__name__} is not the parameters of an action bound to a "
                f"call or participant; known: {', '.join(sorted(self.actions))}"
            )
        given = {"call_id": call_id, "participant_id": participant_id}
        ids: dict[str, str] = {}
        for name, value in given.items():
            if name in spec.placeholders:
                if value is None:
                    raise TypeError(f"{spec.qname} bound to {_binding(spec)} needs {name}")
                ids[name] = _segment(value, name)
            elif value is not None:
                raise TypeError(f"{spec.qname} bound to {_binding(spec)} takes no {name}")
        url = f"{self.calls_url}/{spec.path.format(**ids)}"
        return self._body_request("POST", url, parameters, qname, spec.returns, spec.qname)


def _binding(spec: BoundAction) -> str:
    return f"Collection({spec.binding})" if spec.binding_collection else spec.binding


def _segment(value: str, name: str) -> str:
    if not value or "/" in value:
        raise ValueError(f"{name} must be a non-empty id without '/', got {value!r}")
    return quote(value, safe="-._~:@")
