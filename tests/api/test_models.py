"""The typed contract: the TypedDicts the client returns match ``clients/openapi.json``.

Field names, required-ness and field types are compared with the response schemas, and every
client call is declared to return its route's response type — the types cannot drift from the
contract without a test failing.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import typing
from typing import Any, get_type_hints, is_typeddict

import pytest

from branchdesk.clients import models
from branchdesk.clients.api import ApiClient
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.clients.onboarding_api import Checklist, ChecklistItem, OnboardingApi, Queued
from branchdesk.clients.points_api import PointsApi
from branchdesk.clients.sim_api import SimApi
from support.contract_types import OPENAPI, load, py_type, render, response_schemas

SPEC = load()
SCHEMAS = SPEC["components"]["schemas"]
NAMESPACE = {**vars(typing), **vars(models), "Queued": Queued, "Checklist": Checklist}

# Each client call and the route it sends; its return type must be the route's response type.
CALLS: dict[tuple[type, str], tuple[str, str]] = {
    (ApiClient, "meta"): ("get", "/v1/meta"),
    (ApiClient, "sms_outbox"): ("get", "/v1/sandbox/sms-outbox"),
    (SimApi, "warehouses"): ("get", "/v1/warehouses"),
    (SimApi, "agents"): ("get", "/v1/agents"),
    (SimApi, "stock"): ("get", "/v1/sim/stock"),
    (SimApi, "card"): ("get", "/v1/sim/cards/{iccid}"),
    (SimApi, "batch"): ("get", "/v1/sim/batches/{batch_id}"),
    (SimApi, "batches"): ("get", "/v1/sim/batches"),
    (SimApi, "pickup"): ("post", "/v1/sim/pickups"),
    (SimApi, "return_cards"): ("post", "/v1/sim/returns"),
    (SimApi, "transfer"): ("post", "/v1/sim/transfers"),
    (SimApi, "transfers"): ("get", "/v1/sim/transfers"),
    (SimApi, "decide"): ("post", "/v1/sim/transfers/{transfer_id}/approve"),
    (PointsApi, "find_member"): ("get", "/v1/members"),
    (PointsApi, "ledger"): ("get", "/v1/members/{member_id}/ledger"),
    (PointsApi, "create_redemption"): ("post", "/v1/redemptions"),
    (PointsApi, "get_redemption"): ("get", "/v1/redemptions/{redemption_id}"),
    (PointsApi, "resend_code"): ("post", "/v1/redemptions/{redemption_id}/otp"),
    (PointsApi, "verify"): ("post", "/v1/redemptions/{redemption_id}/verify"),
    (PointsApi, "reverse"): ("post", "/v1/redemptions/{redemption_id}/reverse"),
    (PointsApi, "grant"): ("post", "/v1/points/grants"),
    (PointsApi, "import_template"): ("get", "/v1/points/imports/template"),
    (PointsApi, "import_csv"): ("post", "/v1/points/imports"),
    (PointsApi, "import_file"): ("post", "/v1/points/imports"),
    (PointsApi, "redemptions"): ("get", "/v1/redemptions"),
    (PointsApi, "cancel"): ("post", "/v1/redemptions/{redemption_id}/cancel"),
    (PointsApi, "create_member"): ("post", "/v1/members"),
    (PointsApi, "institutions"): ("get", "/v1/points/institutions"),
    (PointsApi, "report"): ("get", "/v1/points/reports/{report}"),
    (PointsApi, "sms_outbox"): ("get", "/v1/sandbox/sms-outbox"),
    (OnboardingApi, "areas"): ("get", "/v1/onboarding/areas"),
    (OnboardingApi, "search"): ("get", "/v1/customers"),
    (OnboardingApi, "customer"): ("get", "/v1/customers/{customer_id}"),
    (OnboardingApi, "handoff"): ("get", "/v1/customers/{customer_id}/handoff"),
    (OnboardingApi, "area_export"): ("get", "/v1/onboarding/areas/{area}/export"),
    (CardWriteApi, "offer"): ("get", "/v1/card-write/offer"),
    (CardWriteApi, "numbers"): ("get", "/v1/card-write/numbers"),
    (CardWriteApi, "orders"): ("get", "/v1/card-write/orders"),
    (CardWriteApi, "order"): ("get", "/v1/card-write/orders/{order_id}"),
    (CardWriteApi, "check"): ("post", "/v1/card-write/checks"),
    (CardWriteApi, "save_draft"): ("post", "/v1/card-write/draft"),
    (CardWriteApi, "draft"): ("get", "/v1/card-write/draft"),
    (CardWriteApi, "discard_draft"): ("post", "/v1/card-write/draft/discard"),
    (CardWriteApi, "create_order"): ("post", "/v1/card-write/orders"),
    (CardWriteApi, "presubmit"): ("post", "/v1/card-write/orders/{order_id}/presubmit"),
    (CardWriteApi, "bind_card"): ("post", "/v1/card-write/orders/{order_id}/card"),
    (CardWriteApi, "script"): ("get", "/v1/card-write/orders/{order_id}/script"),
    (CardWriteApi, "report_failure"): ("post", "/v1/card-write/orders/{order_id}/failure"),
    (CardWriteApi, "written"): ("post", "/v1/card-write/orders/{order_id}/written"),
    (CardWriteApi, "confirm"): ("post", "/v1/card-write/orders/{order_id}/confirm"),
    (CardWriteApi, "cancel"): ("post", "/v1/card-write/orders/{order_id}/cancel"),
    (InstallmentApi, "clerk"): ("get", "/v1/installment/clerk"),
    (InstallmentApi, "request_code"): ("post", "/v1/installment/clerk/code"),
    (InstallmentApi, "bind"): ("post", "/v1/installment/clerk/bind"),
    (InstallmentApi, "new_qr"): ("post", "/v1/installment/qr-codes"),
    (InstallmentApi, "current_qr"): ("get", "/v1/installment/qr-codes/current"),
    (InstallmentApi, "applications"): ("get", "/v1/installment/applications"),
    (InstallmentApi, "application"): ("get", "/v1/installment/applications/{application_id}"),
    (InstallmentApi, "orders"): ("get", "/v1/installment/orders"),
    (InstallmentApi, "revoke"): ("post", "/v1/installment/orders/{application_id}/revoke"),
    (InstallmentApi, "simulate_scan"): ("post", "/v1/sandbox/installment/scans"),
    (InstallmentApi, "simulate_step"): (
        "post",
        "/v1/sandbox/installment/applications/{application_id}/advance",
    ),
    (DemoApi, "presets"): ("get", "/v1/sandbox/presets"),
    (DemoApi, "apply_preset"): ("post", "/v1/sandbox/presets/{name}/apply"),
    (DemoApi, "last_reset"): ("get", "/v1/sandbox/last-reset"),
}
# Calls whose result the client reshapes or may answer from the outbox: (type, route, base).
RESHAPED: dict[tuple[type, str], tuple[str, str, str]] = {
    (OnboardingApi, "checklist"): ("Checklist", "get", "/v1/customers/{customer_id}/checklist"),
    (OnboardingApi, "create_customer"): ("CustomerDetail | Queued", "post", "/v1/customers"),
    (OnboardingApi, "update_customer"): (
        "CustomerDetail | Queued",
        "patch",
        "/v1/customers/{customer_id}",
    ),
    (OnboardingApi, "set_item"): (
        "ItemOut | Queued",
        "put",
        "/v1/customers/{customer_id}/items/{item_id}",
    ),
}


def _return_type(owner: type, name: str) -> Any:
    function = getattr(owner, name)
    namespace = {**vars(sys.modules[function.__module__]), **NAMESPACE}
    return get_type_hints(function, namespace)["return"]


def _evaluate(text: str) -> Any:
    return eval(text, NAMESPACE)  # noqa: S307 - annotation text from our own contract


def _response_type(method: str, path: str) -> str:
    responses = SPEC["paths"][path][method]["responses"]
    success = [r for code, r in sorted(responses.items()) if code.startswith("2")]
    # A dry run answers 200 with a preview, the real call 201: the call returns either.
    return " | ".join(py_type(r["content"]["application/json"]["schema"]) for r in success)


def test_every_response_schema_has_a_typeddict_and_nothing_else_is_there() -> None:
    declared = {n for n, v in vars(models).items() if is_typeddict(v)}
    assert declared == set(response_schemas(SPEC))


@pytest.mark.parametrize("name", response_schemas(SPEC))
def test_typeddict_fields_match_the_schema(name: str) -> None:
    schema = SCHEMAS[name]
    cls = getattr(models, name)
    properties = schema.get("properties", {})
    assert set(cls.__annotations__) == set(properties), "field names"
    assert cls.__required_keys__ == frozenset(schema.get("required", [])), "required fields"
    hints = get_type_hints(cls)
    for field, prop in properties.items():
        assert hints[field] == _evaluate(py_type(prop)), f"{name}.{field}"


def test_the_written_models_are_what_the_generator_writes() -> None:
    formatted = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", "clients/models.py", "-"],
        input=render(SPEC),
        cwd=OPENAPI.parents[1],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert inspect.getsource(models) == formatted, "run `make models`"


@pytest.mark.parametrize(("owner", "name"), list(CALLS), ids=lambda v: getattr(v, "__name__", v))
def test_each_client_call_returns_its_route_response_type(owner: type, name: str) -> None:
    method, path = CALLS[owner, name]
    returned = _return_type(owner, name)
    assert returned == _evaluate(_response_type(method, path))


@pytest.mark.parametrize(("owner", "name"), list(RESHAPED), ids=lambda v: getattr(v, "__name__", v))
def test_reshaped_calls_keep_the_route_fields(owner: type, name: str) -> None:
    declared, method, path = RESHAPED[owner, name]
    returned = _return_type(owner, name)
    assert returned == _evaluate(declared)
    base = _evaluate(_response_type(method, path))
    assert base.__name__ in declared or set(get_type_hints(base)) <= set(get_type_hints(Checklist))


def test_the_offline_checklist_is_the_server_checklist_plus_outbox_state() -> None:
    server = get_type_hints(models.ChecklistOut)
    ours = get_type_hints(Checklist)
    assert set(ours) - set(server) == {"offline"}
    assert ours["items"] == list[ChecklistItem]
    assert {k: v for k, v in ours.items() if k not in ("items", "offline")} == {
        k: v for k, v in server.items() if k != "items"
    }
    assert set(get_type_hints(ChecklistItem)) - set(get_type_hints(models.ItemOut)) == {"pending"}


# Calls made only of other client calls (no route of their own).
COMPOSED = {(OnboardingApi, "keep_for_offline")}


def test_every_public_client_call_is_covered() -> None:
    covered = set(CALLS) | set(RESHAPED) | COMPOSED
    for owner in (SimApi, PointsApi, OnboardingApi, CardWriteApi, InstallmentApi, DemoApi):
        for name, member in vars(owner).items():
            if inspect.iscoroutinefunction(member) and not name.startswith("_"):
                assert (owner, name) in covered, f"{owner.__name__}.{name}"


def test_models_import_nothing_but_the_standard_library() -> None:
    code = (
        "import sys, json; before = set(sys.modules)\n"
        "import branchdesk.clients.models\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0].lstrip("_") for name in json.loads(out.stdout)}
    assert loaded - {"branchdesk"} <= set(sys.stdlib_module_names)
