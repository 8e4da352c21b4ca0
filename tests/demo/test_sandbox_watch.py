"""SandboxWatch against the real sandbox: news of a reset once, never the one known at login,
never one's own — also when two resets fall in one second (the backend's times are to the
second)."""

from __future__ import annotations

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.local.settings import Settings
from branchdesk.tui.sandbox_notice import SandboxWatch
from support.backend import FakeClock, logged_in, make_backend


async def test_two_resets_in_one_second_are_both_news() -> None:
    backend = make_backend(settings=Settings(clock=FakeClock()))
    trainer = await logged_in(backend, "t001")
    trainee = await logged_in(backend, "m001")
    try:
        watch = SandboxWatch()
        await DemoApi(trainer).apply_preset("baseline", Action())
        assert await watch.check(trainee, "m001") is None  # known at login
        await DemoApi(trainer).apply_preset("low_points", Action())  # the same second
        notice = await watch.check(trainee, "m001")
        assert notice is not None and notice["preset"] == "low_points"
        assert await watch.check(trainee, "m001") is None  # told once
    finally:
        await trainer.aclose()
        await trainee.aclose()


async def test_ones_own_reset_is_not_news() -> None:
    backend = make_backend(settings=Settings(clock=FakeClock()))
    trainer = await logged_in(backend, "t001")
    try:
        watch = SandboxWatch()
        assert await watch.check(trainer, "t001") is None  # none yet
        await DemoApi(trainer).apply_preset("low_points", Action())
        assert await watch.check(trainer, "t001") is None
    finally:
        await trainer.aclose()
