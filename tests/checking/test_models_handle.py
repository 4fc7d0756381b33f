"""The models handle: the runtime checks with the package of the API version, or one it is given
(a vendored copy under another name), and never imports the committed packages by name."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generated.beta import _odata as beta_odata
from generated.beta.microsoft_graph import (
    Call,
    Identity,
    IdentitySet,
    InvitationParticipantInfo,
    Modality,
    ServiceHostedMediaConfig,
)
from runtime.bot.errors import InvalidBodyError
from runtime.bot.requests import CallsRequests
from runtime.checking.bodies import validate_body
from runtime.checking.models import (
    DEFAULT_PACKAGES,
    Models,
    ModelsError,
    TypeNotInPackage,
    default_models,
    load_models,
    models_for,
    version_of_url,
)
from runtime.cli import main
from tests.factories import create_call_body

REPO = Path(__file__).resolve().parents[2]
CALLS = "communications/calls"


def codes(findings: object) -> list[str]:
    return [f"{f.severity}:{f.code}:{f.path}" for f in findings]  # type: ignore[attr-defined]


# -- two API versions -------------------------------------------------------------------------


def test_each_version_has_its_own_package() -> None:
    beta, v1 = default_models("beta"), default_models("v1.0")
    assert (beta.name, v1.name) == ("generated.beta", "generated.v1_0")
    ringing = "ringingTimeoutInSeconds"
    assert ringing in {p.name for p in beta.converter().all_properties("microsoft.graph.call")}
    assert ringing not in {p.name for p in v1.converter().all_properties("microsoft.graph.call")}
    assert beta.class_of("microsoft.graph.call") is Call
    assert v1.class_of("microsoft.graph.call") is not Call


@pytest.mark.parametrize("version", ["beta", "v1.0"])
def test_the_url_chooses_the_package(version: str) -> None:
    body = create_call_body(ringingTimeoutInSeconds=30)
    report = validate_body(body, request=f"POST https://graph.microsoft.com/{version}/{CALLS}")
    undeclared = [f for f in report.findings if f.path == "$.ringingTimeoutInSeconds"]
    if version == "beta":
        assert undeclared == [] and report.roundtrip is True
    else:  # v1.0 does not declare it (call is an open type there: a warning, not an error)
        assert [f.code for f in undeclared] == ["property.undeclared"], codes(report.findings)
        assert "ringingTimeoutInSeconds" in undeclared[0].message
    plain = validate_body(create_call_body(), request=f"POST /{version}/{CALLS}")
    assert plain.findings == () and plain.roundtrip is True


def test_calls_requests_checks_against_its_version() -> None:
    call = Call(
        callback_uri="https://bot.example.com/callback",
        targets=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id="u1")))],
        requested_modalities=[Modality.AUDIO],
        media_config=ServiceHostedMediaConfig(),
        ringing_timeout_in_seconds=30,
    )
    beta = CallsRequests(version="beta").create_call(call)
    assert beta.json()["ringingTimeoutInSeconds"] == 30 and beta.findings == ()
    v1 = CallsRequests(version="v1.0")
    assert v1.models is default_models("v1.0")
    sent = v1.create_call(call)  # a beta Call sent to v1.0 is written, then checked as v1.0
    assert [(f.code, f.path) for f in sent.findings] == [
        ("property.undeclared", "$.ringingTimeoutInSeconds")
    ]
    call.ringing_timeout_in_seconds = beta_odata.UNSET  # absent: fine for v1.0 too
    assert v1.create_call(call).findings == ()
    assert v1.create_call(call).url.endswith("/v1.0/communications/calls")
    with pytest.raises(InvalidBodyError):  # strictly checked as v1.0: no unknown enum members
        v1.create_call(Call(callback_uri="x", requested_modalities=["telepathy"]))  # type: ignore[list-item]


@settings(max_examples=60, deadline=None)
@given(
    host=st.sampled_from(["", "https://graph.microsoft.com", "http://127.0.0.1:9", "HTTPS://x"]),
    version=st.sampled_from(["beta", "v1.0", "BETA", "V1.0", "v2.0", "betas", "v1.00", ""]),
    rest=st.text(alphabet="abc/?=.{}", max_size=20),
)
def test_version_of_url(host: str, version: str, rest: str) -> None:
    url = f"{host}/{version}" + (f"/{rest}" if rest else "")
    found = version_of_url(url)
    if version.lower() in ("beta", "v1.0"):
        assert found == version.lower()
        assert models_for(url=url) is default_models(found)
    else:
        assert found is None
        assert models_for(url=url) is default_models("beta")


def test_models_cli_shows_both_packages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "beta: generated.beta" in out and "v1.0: generated.v1_0" in out
    assert "graph-v1.0-2026-08-03.xml" in out and "graph-beta-calls-2026-08-03.xml" in out


# -- the handle -------------------------------------------------------------------------------


def test_defaults_are_named_relative_to_the_runtime_package() -> None:
    """In the wheel the runtime is `graph_calls_models.runtime`: its defaults follow."""
    path = REPO / "runtime" / "checking" / "models.py"
    spec = importlib.util.spec_from_file_location(
        "graph_calls_models.runtime.checking.models", path
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.DEFAULT_PACKAGES == {
        "beta": "graph_calls_models.generated.beta",
        "v1.0": "graph_calls_models.generated.v1_0",
    }
    assert DEFAULT_PACKAGES["beta"] == "generated.beta"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("no.such.package", "cannot import the models package"),
        ("json", "is not a generated models package"),
        ("1bad name", "is not an import name"),
    ],
)
def test_a_bad_models_package_is_a_clear_error(
    name: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ModelsError, match=message):
        load_models(name)
    body = REPO / "runtime" / "docs" / "pages"  # any readable path: the error comes first or after
    assert main(["examples", str(next(body.glob("*.md"))), "--models", name]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_a_type_outside_the_closure_says_how_to_get_it(capsys: pytest.CaptureFixture[str]) -> None:
    models = default_models("beta")
    with pytest.raises(TypeNotInPackage) as raised:
        models.class_of("microsoft.graph.user")
    text = str(raised.value)
    assert "closure" in text and "--root microsoft.graph.user" in text
    report = validate_body({}, type="microsoft.graph.user")
    assert [f.code for f in report.findings] == ["type.not-in-package"]
    assert "not the whole API" in report.findings[0].message
    assert "not in the metadata" not in report.findings[0].message


@settings(max_examples=80, deadline=None)
@given(
    parent=st.sampled_from(["$", "$.a", "$[0]"]),
    key=st.one_of(st.text(max_size=8), st.integers(0, 99)),
)
def test_runtime_paths_are_spelled_as_the_package_spells_them(parent: str, key: str | int) -> None:
    """The runtime has no spelling of its own: each index spells paths with its package's."""
    for version in DEFAULT_PACKAGES:
        spell = default_models(version).index.child_path
        assert spell(parent, key) == beta_odata.child_path(parent, key)
    assert default_models("beta").index.child_path is beta_odata.child_path


# -- a vendored copy --------------------------------------------------------------------------

_VENDORED = """
import json, sys
from runtime.cli import main
status = main(sys.argv[1:])

from runtime.checking.models import load_models
from runtime.bot.notifications import Dispatcher, parse_notifications
from runtime.bot.receiver import NotificationReceiver
from runtime.bot.requests import CallsRequests
from runtime.bot.responses import read_created_call
from runtime.bot.tracker import CallTracker

models = load_models("mysdk.models")
Call = models.class_of("microsoft.graph.call")
calls = CallsRequests(version="beta", models=models)
request = calls.create_call(models.converter().read(json.loads(open("body.json").read()),
                                                    "microsoft.graph.call"))
created = read_created_call(201, {"Location": calls.call_url("c1")},
                            json.dumps({"id": "c1", "state": "establishing"}).encode(),
                            models=models)
assert type(created.call) is Call, type(created.call)
dispatcher = Dispatcher(models)
tracker = CallTracker()
tracker.attach(dispatcher)
receiver = NotificationReceiver(dispatcher)
note = {"value": [{"changeType": "updated", "resourceUrl": "/communications/calls/c1",
                   "resourceData": {"@odata.type": "#microsoft.graph.call",
                                    "state": "established"}}]}
batch = parse_notifications(json.dumps(note).encode(), models=receiver.models)
for n in batch.notifications:
    dispatcher.dispatch(n)
state = tracker.get("c1").state
leaked = sorted(m for m in sys.modules if m == "generated" or m.startswith("generated."))
print(json.dumps({"status": status, "leaked": leaked, "state": state,
                  "url": request.url}))
"""


@pytest.mark.slow
def test_a_vendored_copy_works_without_the_original(tmp_path: Path) -> None:
    shutil.copytree(REPO / "generated" / "beta", tmp_path / "mysdk" / "models")
    (tmp_path / "mysdk" / "__init__.py").write_text('"""An SDK that vendors the models."""\n')
    (tmp_path / "body.json").write_text(json.dumps(create_call_body(ringingTimeoutInSeconds=5)))
    (tmp_path / "script.py").write_text(_VENDORED)
    request = "POST https://graph.microsoft.com/beta/communications/calls"
    argv = ["validate", "body.json", "--request", request, "--models", "mysdk.models"]
    done = subprocess.run(
        [sys.executable, "script.py", *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{REPO}", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {
        "status": 0,
        "leaked": [],
        "state": "established",
        "url": "https://graph.microsoft.com/beta/communications/calls",
    }
    # The command line alone, as a user runs it: the same answer, and nothing of `generated`.
    probe = textwrap.dedent(
        """
        import runpy, sys
        sys.argv = ["runtime", *sys.argv[1:]]
        try:
            runpy.run_module("runtime", run_name="__main__")
        except SystemExit as exit:
            leaked = [m for m in sys.modules if m.split(".")[0] == "generated"]
            print("leaked", leaked, "status", exit.code)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{REPO}", "PATH": "/usr/bin:/bin"},
    )
    assert done.stdout.strip().endswith("leaked [] status 0"), done.stdout + done.stderr
    assert "body.json: microsoft.graph.call: ok, round trip ok" in done.stdout


def test_a_handle_is_made_once_per_package() -> None:
    assert load_models("generated.beta") is default_models("beta")
    assert models_for("generated.v1_0") is default_models("v1.0")
    handle = Models(importlib.import_module("generated.v1_0"))
    assert handle.name == "generated.v1_0" and "microsoft.graph.call" in handle.roots


def test_routes_are_made_once_per_package_and_follow_its_facts() -> None:
    from runtime.checking.resolve_type import routes_of, type_request

    beta, v1 = default_models("beta").index, default_models("v1.0").index
    assert routes_of(beta) is routes_of(beta) and routes_of(v1) is not routes_of(beta)
    url = "/communications/calls/c1/participants/muteAll"  # an action only beta declares
    assert type_request("POST", url, routes_of(beta)).body is not None
    typed = type_request("POST", url, routes_of(v1))
    assert typed.body is None and any(f.severity == "error" for f in typed.findings)


@pytest.mark.parametrize("version", list(DEFAULT_PACKAGES))
def test_each_package_has_what_the_runtime_uses_of_it(version: str) -> None:
    """The Protocols of `runtime.checking.models` are the whole interface: each package has them."""
    import runtime.checking.models as api

    models = default_models(version)
    conv = models.converter()
    facts = models.facts
    call = facts.types["microsoft.graph.call"]
    op = next(iter(facts.operations.values()))[0]
    samples = {
        api.ODataConverter: conv,
        api.SchemaFacts: facts,
        api.TypeFacts: call,
        api.PropertyFacts: call.properties[0],
        api.EnumFacts: next(iter(facts.enums.values())),
        api.OperationFacts: op,
        api.Checked: conv.check({}, "microsoft.graph.call", partial=True),
    }
    for protocol, sample in samples.items():
        members = [n for n in vars(protocol) if not n.startswith("_") and n not in ("at",)] + list(
            getattr(protocol, "__annotations__", {})
        )
        missing = [n for n in members if not hasattr(sample, n)]
        assert missing == [], f"{models.name}: {protocol.__name__} lacks {missing}"
    error = models.read_error("$.x", "bad")
    assert (error.path, error.message) == ("$.x", "bad") and error.at("$.a").path == "$.a.x"


def test_a_package_refuses_to_write_another_package_s_object_naming_where_it_is() -> None:
    """One package writes a body: a beta object anywhere inside a v1.0 object is a
    `TypeError` with its attribute path, from the converter itself (not only the SDK)."""
    import generated.beta.microsoft_graph as beta_classes
    import generated.v1_0 as v1
    import generated.v1_0.microsoft_graph as v1_classes

    call = v1_classes.Call(
        source=v1_classes.ParticipantInfo(identity=beta_classes.IdentitySet()),
        targets=[
            v1_classes.InvitationParticipantInfo(),
            beta_classes.InvitationParticipantInfo(),
        ],
    )
    with pytest.raises(TypeError, match=r"^source\.identity is a generated\.beta object"):
        v1.converter().write(call)
    call.source = None
    with pytest.raises(TypeError, match=r"^targets\[1\] is a generated\.beta object"):
        v1.converter().write(call)


def test_a_dynamic_property_holding_a_model_object_is_written_with_its_type() -> None:
    """A dynamic property has no declared type: an object of this package is written with its
    `@odata.type`, in a list item by item; another package's object is refused with its place,
    at any depth, instead of failing later in `json.dumps`."""
    import generated.beta.microsoft_graph as beta_classes
    import generated.v1_0 as v1
    import generated.v1_0.microsoft_graph as v1_classes

    conv = v1.converter()
    call = v1_classes.Call(callback_uri="https://bot.example/cb")
    call.additional_data.update(
        owner=v1_classes.IdentitySet(user=v1_classes.Identity(id="1")),
        seen=[v1_classes.Identity(id="2"), 3],
        free={"kept": [1, "as is"]},
    )
    out = conv.write(call)
    assert out["owner"] == {"@odata.type": "#microsoft.graph.identitySet", "user": {"id": "1"}}
    assert out["seen"] == [{"@odata.type": "#microsoft.graph.identity", "id": "2"}, 3]
    assert out["free"] == {"kept": [1, "as is"]}
    back = conv.check(json.loads(json.dumps(out)), "microsoft.graph.call")
    assert back.findings == () or all(f.severity == "warning" for f in back.findings)

    call.additional_data["owner"] = beta_classes.IdentitySet()
    with pytest.raises(TypeError, match=r"^additional_data\['owner'\] is a generated\.beta obj"):
        conv.write(call)
    del call.additional_data["owner"]
    call.targets = [
        v1_classes.InvitationParticipantInfo(
            additional_data={"via": [1, beta_classes.Identity()]},
        )
    ]
    with pytest.raises(
        TypeError, match=r"^targets\[0\]\.additional_data\['via'\]\[1\] is a generated\.beta"
    ):
        conv.write(call)
