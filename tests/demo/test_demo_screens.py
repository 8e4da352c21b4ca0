"""The trainer's screens at 80x24, keyboard only, in both languages: tour picker, presets, and
a guided tour driven by the trainee with Next / Back / Pause / Quit."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.demo.presets import WRONG_AGENT_HOLDER, WRONG_AGENT_SERIALS
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.common.login import LoginScreen
from branchdesk.screens.demo.presets import PresetsScreen
from branchdesk.screens.demo.tours import TourPickerScreen
from branchdesk.tui.tour_panel import HIGHLIGHT, TourPanel
from support.tui import SIZE, login, make_app, wait_for


def text_of(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector).render())  # type: ignore[attr-defined]


async def show_tour(pilot: Any, tour_id: str) -> None:
    """Highlight a tour by id (more tour files are added as workflows land)."""
    tours = pilot.app.screen.query_one("#tours", OptionList)
    tours.highlighted = tours.get_option_index(tour_id)
    await pilot.pause()


async def test_trainer_resets_a_preset_with_one_key_in_chinese(backend: Backend) -> None:
    app = make_app(backend, "zh-CN", extra={"demo_reader": "none"})
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TourPickerScreen))
        assert "未模拟" in text_of(app, "#reader")
        await show_tour(pilot, "onboarding")
        assert "六项准备清单" in text_of(app, "#tour-info")
        await pilot.press("f6")
        await wait_for(
            pilot, lambda: isinstance(app.screen, PresetsScreen) and bool(app.screen.presets)
        )
        await pilot.press("4")
        # Shared state: the confirmation says who else is affected; Esc resets nothing.
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "其他学员" in text_of(app, "#confirm-detail")
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert "已重置" not in text_of(app, "#presets-status")
        await pilot.press("4")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: "已重置" in text_of(app, "#presets-status"))
        teach = text_of(app, "#preset-teach")
        assert "A00101" in teach and WRONG_AGENT_HOLDER in teach and "{" not in teach
        card = backend.store.get("sim_cards", demo_iccid(1, "128k_normal", WRONG_AGENT_SERIALS[0]))
        assert card["loc_id"] == WRONG_AGENT_HOLDER
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, TourPickerScreen))


async def test_a_cashier_cannot_open_the_presets(backend: Backend) -> None:
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "k001")
        await app.push_screen(PresetsScreen())
        await wait_for(pilot, lambda: "not allowed" in text_of(app, "#presets-status"))


async def test_guided_tour_waits_for_the_trainee_and_obeys_the_tour_keys(
    backend: Backend,
) -> None:
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TourPickerScreen))
        await show_tour(pilot, "points")
        assert "k001" in text_of(app, "#tour-info")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                app.tour is not None
                and isinstance(app.screen, LoginScreen)
                and bool(app.screen.query(TourPanel))
            ),
        )
        runner = app.tour
        assert runner is not None and not runner.auto and app.staff is None
        panel = app.screen.query_one(TourPanel)
        await pilot.pause(0.2)
        assert "Type the cashier's staff ID" in str(panel.render())
        assert panel.region.bottom <= SIZE[1] and panel.region.right <= SIZE[0]
        assert app.screen.query_one("#staff-id").has_class(HIGHLIGHT)
        await pilot.press("ctrl+n")
        assert runner.index == 1
        await pilot.press("ctrl+b")
        assert runner.index == 0
        await pilot.press("ctrl+t")
        assert runner.paused
        await pilot.press("ctrl+t")
        await pilot.press(*"k001")  # the trainee's own action completes the step
        await wait_for(pilot, lambda: runner.index == 1)
        await pilot.pause(0.1)
        assert app.screen.query_one("#password").has_class(HIGHLIGHT)
        assert not app.screen.query_one("#staff-id").has_class(HIGHLIGHT)
        await pilot.press("enter", *"demo-pass-1", "enter")
        await wait_for(pilot, lambda: runner.index == 2 and app.staff is not None)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert app.tour is None and not app.screen.query(TourPanel)
        assert not app.screen.query(f".{HIGHLIGHT}")
        await pilot.press("ctrl+n")  # no tour: the key passes through harmlessly
        assert app.tour is None
