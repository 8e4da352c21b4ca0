"""A preset applied by a trainer is announced to every other session on the sandbox."""

from __future__ import annotations

import re

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.local.backend import Backend
from support.backend import logged_in
from support.tui import SIZE, login, make_app, wait_for

NOTICE = {"en": "reset the sandbox", "zh-CN": "重置了演练环境"}


def notices(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_a_trainee_is_told_when_the_trainer_resets_the_sandbox(
    backend: Backend, lang: str
) -> None:
    trainer = await logged_in(backend, "t001", lang)
    try:
        # A reset before the trainee logs in is not news to them.
        await DemoApi(trainer).apply_preset("baseline", Action())
        app = make_app(backend, lang, extra={"demo_reader": "none"})
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot, "m001")
            await wait_for(pilot, lambda: app.sandbox_watch is not None)
            await wait_for(pilot, lambda: app.sandbox_watch.started)
            app._poll_health()
            await pilot.pause(0.3)
            assert not any(NOTICE[lang] in n for n in notices(app))
            applied = await DemoApi(trainer).apply_preset("low_points", Action())
            app._poll_health()  # the next health poll (every 15 s) hears of it
            await wait_for(pilot, lambda: any(NOTICE[lang] in n for n in notices(app)))
            shown = next(n for n in notices(app) if NOTICE[lang] in n)
            assert applied["title"] in shown and trainer.staff.name in shown
            assert re.search(r"\b\d{2}:\d{2}\b", shown)  # a local clock ...
            assert not re.search(r"\d{4}-\d{2}-\d{2}T", shown)  # ... never an ISO stamp
            count = len(notices(app))
            app._poll_health()
            await pilot.pause(0.3)
            assert len(notices(app)) == count  # said once
    finally:
        await trainer.aclose()


async def test_the_trainer_who_reset_is_not_told_their_own_reset(backend: Backend) -> None:
    app = make_app(backend, "en", extra={"demo_reader": "none"})
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        await wait_for(pilot, lambda: app.sandbox_watch is not None and app.sandbox_watch.started)
        same = await logged_in(backend, "t001")
        try:
            await DemoApi(same).apply_preset("low_points", Action())
        finally:
            await same.aclose()
        app._poll_health()
        await pilot.pause(0.3)
        assert app.sandbox_watch.seen is not None
        assert not any(NOTICE["en"] in n for n in notices(app))


async def test_any_role_may_ask_for_the_last_reset_and_it_names_the_preset(
    backend: Backend,
) -> None:
    cashier = await logged_in(backend, "k001", "zh-CN")
    trainer = await logged_in(backend, "t001")
    try:
        assert await DemoApi(cashier).last_reset() is None
        await DemoApi(trainer).apply_preset("low_points", Action())
        notice = await DemoApi(cashier).last_reset()
        assert notice is not None
        assert notice["by"] == "t001" and notice["preset"] == "low_points"
        assert notice["title"] and notice["title"] != "low_points"  # in the caller's language
    finally:
        await cashier.aclose()
        await trainer.aclose()
