"""The account-opening form kept on the server per step (issue #15 item 5): resumed from
another terminal of the same clerk, discarded, gone once the order exists; idempotent,
audited, for clerks only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from card_write.orders import CUSTOMER

from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.rules import DRAFTS
from branchdesk.screens.card_write.steps import new_draft

FORM = {**new_draft(CUSTOMER), "recommender_id": "c001"}


def audit_actions(backend: Backend) -> list[str]:
    return [row["action"] for row in backend.store.scan("audit")]


async def missing(api: CardWriteApi) -> ApiError:
    with pytest.raises(ApiError) as err:
        await api.draft()
    return err.value


async def test_each_step_is_kept_and_another_terminal_resumes_it(
    login_as: Any, backend: Backend
) -> None:
    api = CardWriteApi(await login_as("c001"))
    assert (await missing(api)).status == 404
    saved = await api.save_draft("recommender", FORM, Action())
    assert saved["step"] == "recommender"
    msisdn = (await api.numbers())[0]
    form = {**FORM, "msisdn": msisdn, "package_id": "P59", "tariff_id": "full"}
    await api.save_draft("number", form, Action())
    await api.save_draft("package", form, Action())
    # The terminal dropped: a new login of the same clerk finds the form where it was.
    other = CardWriteApi(await login_as("c001"))
    resumed = await other.draft()
    assert resumed["step"] == "package"
    assert resumed["customer"] == CUSTOMER
    assert (resumed["msisdn"], resumed["package_id"], resumed["tariff_id"]) == (
        msisdn,
        "P59",
        "full",
    )
    assert resumed["fees"]["items"][0]["code"] == "prepay"  # the package chosen is quoted
    assert resumed["created_at"] == saved["created_at"]
    # Kept sealed: the customer's ID number is not in the store in the clear.
    stored = backend.store.get(DRAFTS, "c001")
    assert stored is not None and CUSTOMER["id_number"] not in repr(stored)
    assert audit_actions(backend).count("card_write.draft_save") == 3


async def test_a_refused_step_keeps_the_last_good_form(login_as: Any) -> None:
    api = CardWriteApi(await login_as("c001"))
    await api.save_draft("recommender", FORM, Action())
    with pytest.raises(ApiError) as err:
        await api.save_draft("recommender", {**FORM, "recommender_id": "x999"}, Action())
    assert err.value.code == "recommender_not_found"
    kept = await api.draft()
    assert (kept["step"], kept["recommender_id"]) == ("recommender", "c001")


async def test_a_retried_save_is_saved_once(login_as: Any, backend: Backend) -> None:
    api = CardWriteApi(await login_as("c001"))
    action = Action()
    first = await api.save_draft("customer", FORM, action)
    again = await api.save_draft("customer", FORM, action)
    assert again == first
    assert audit_actions(backend).count("card_write.draft_save") == 1


async def test_discard_and_order_end_the_draft(login_as: Any, backend: Backend) -> None:
    api = CardWriteApi(await login_as("c001"))
    await api.save_draft("customer", FORM, Action())
    assert await api.discard_draft(Action()) == {"discarded": True}
    assert (await missing(api)).code == "draft_not_found"
    assert await api.discard_draft(Action()) == {"discarded": False}
    assert audit_actions(backend).count("card_write.draft_discard") == 1
    # Creating the order ends the form: nothing is left to resume.
    msisdn = (await api.numbers())[0]
    form = {**FORM, "msisdn": msisdn, "package_id": "P59", "tariff_id": "full"}
    await api.save_draft("activity", {**form, "activity_id": "NONE"}, Action())
    await api.create_order(CUSTOMER, msisdn, "P59", "full", Action(), account=FORM["account"])
    assert (await missing(api)).status == 404
    assert "card_write.draft_done" in audit_actions(backend)


async def test_an_old_draft_is_not_offered(login_as: Any, backend: Backend) -> None:
    api = CardWriteApi(await login_as("c001"))
    await api.save_draft("customer", FORM, Action())
    stored = backend.store.get(DRAFTS, "c001")
    assert stored is not None
    saved = datetime.fromisoformat(stored["updated_at"])
    with backend.store.transaction() as txn:  # saved a day and a minute ago
        txn.put(
            DRAFTS,
            "c001",
            {**stored, "updated_at": (saved - timedelta(hours=24, minutes=1)).isoformat()},
        )
    assert (await missing(api)).status == 404


async def test_only_clerks_keep_drafts(login_as: Any) -> None:
    api = CardWriteApi(await login_as("s001"))
    for call in (api.draft(), api.save_draft("customer", FORM, Action())):
        with pytest.raises(ApiError) as err:
            await call
        assert err.value.status == 403
