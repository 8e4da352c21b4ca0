"""Tours never rot: every tour file is checked statically and played end to end in auto-play.

New tour files (one per workflow, added as workflows land) are picked up by the glob.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.demo.presets import PRESETS
from branchdesk.clients.local.sessions_routes import DEMO_ACCOUNTS
from branchdesk.tui.linebreak import NO_LINE_END, NO_LINE_START
from branchdesk.tui.tour import TOURS_DIR, TourError, load_tour
from branchdesk.tui.tour_check import check_tour
from branchdesk.tui.tour_panel import BORDER, SIDE, TourPanel
from branchdesk.tui.tour_runner import TourRunner
from support.tui import SIZE, TOUR_SPEED, login, make_app, wait_for

TOUR_FILES = sorted(TOURS_DIR.glob("*.toml"))
DEMO_LOGINS = {staff_id for staff_id, _role in DEMO_ACCOUNTS} | {"c002", "m002"}


def test_there_is_a_tour_for_each_workflow_that_exists() -> None:
    assert {p.stem for p in TOUR_FILES} >= {"onboarding", "sim_stock", "points"}


@pytest.mark.parametrize("path", TOUR_FILES, ids=lambda p: p.stem)
def test_tour_file_is_valid(path: Path) -> None:
    tour = load_tour(path)
    assert check_tour(tour) == []
    assert tour.preset is None or tour.preset in PRESETS
    assert tour.login is None or tour.login in DEMO_LOGINS


def layout_problems(runner: TourRunner) -> list[str]:
    """Steps whose panel leaves the 80x24 screen, covers its target or cuts its text."""
    problems = []
    for number, seen in sorted(runner.layout.items()):
        width, height = seen.screen
        where = f"step {number}"
        panel, target = seen.panel, seen.target
        if panel.x < 0 or panel.y < 1 or panel.right > width or panel.bottom > height - 1:
            problems.append(f"{where}: panel {panel} not between the header and the Footer")
        if panel.overlaps(target):
            problems.append(f"{where}: panel {panel} covers the target {target}")
        if panel.height != len(seen.lines) + len(seen.keys) + BORDER:
            problems.append(f"{where}: panel of {panel.height} rows for {len(seen.lines)} lines")
        for line in seen.lines + seen.keys:
            if cell_len(line) > panel.width - SIDE:
                problems.append(f"{where}: line wider than the panel: {line!r}")
            if line[:1] in NO_LINE_START:
                problems.append(f"{where}: line starts with closing punctuation: {line!r}")
            if line[-1:] in NO_LINE_END:
                problems.append(f"{where}: line ends with opening punctuation: {line!r}")
    return problems


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize("path", TOUR_FILES, ids=lambda p: p.stem)
async def test_tour_plays_end_to_end_in_auto_play(path: Path, backend: Backend, lang: str) -> None:
    """Every step's target is found on its screen and every awaited action happens; every
    step's panel fits at 80x24 beside its target, its text wrapped whole (CJK included)."""
    tour = load_tour(path)
    # No card reader (the reader steps are played in test_card_write_tour.py, through pcscd).
    app = make_app(backend, lang, extra={"demo_reader": "none"})
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        home = app.screen
        if tour.preset:
            await DemoApi(app.client).apply_preset(tour.preset, Action())
        runner = app.start_tour(tour, auto=True, speed=TOUR_SPEED)
        await wait_for(pilot, lambda: runner.finished or bool(runner.problems), timeout=60)
        assert runner.problems == []
        # The runner's own record: polling from here can miss a step on a loaded machine.
        assert runner.highlighted == {s.number: True for s in runner.steps}
        assert set(runner.layout) == {s.number for s in runner.steps}
        assert layout_problems(runner) == []
        # The trainer is back in their own session, on the screen they started the tour from.
        await wait_for(pilot, lambda: app.screen is home)
        assert app.tour is None and not app.screen.query(TourPanel)
        assert app.staff is not None and app.staff.id == "t001"
        assert app.client.staff is not None and app.client.staff.id == "t001"


def test_broken_files_are_refused_with_the_step_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[title]\nzh-CN = "x"\nen = "x"\n[summary]\nzh-CN = "x"\nen = "x"\n'
        '[[steps]]\nscreen = "common.home"\ntarget = "#workflows"\n'
        'text.en = "only English"\n'
    )
    with pytest.raises(TourError, match=r"bad.toml step 1 text: text missing for zh-CN"):
        load_tour(bad)
    bad.write_text(
        '[title]\nzh-CN = "x"\nen = "x"\n[summary]\nzh-CN = "x"\nen = "x"\n'
        '[[steps]]\nscreen = "common.home"\ntarget = "#workflows"\n'
        'text.en = "e"\ntext.zh-CN = "z"\nwait = { key = "f9" }\n'
        '[[steps]]\nscreen = "nothing.nowhere"\ntarget = "#x"\n'
        'text.en = "e"\ntext.zh-CN = "z"\n'
    )
    problems = check_tour(load_tour(bad))
    assert any("step 1: key 'f9' is not bound on HomeScreen" in p for p in problems)
    assert any("step 2: screen 'nothing.nowhere' not found" in p for p in problems)


def steps_file(path: Path, *steps: str) -> Path:
    """A tour file with these steps (each: its own keys; the texts are added)."""
    body = "".join(f'[[steps]]\ntext.en = "e"\ntext.zh-CN = "z"\n{step}\n' for step in steps)
    path.write_text('[title]\nzh-CN = "x"\nen = "x"\n[summary]\nzh-CN = "x"\nen = "x"\n' + body)
    return path


def test_choose_and_reader_steps_are_checked(tmp_path: Path) -> None:
    source = 'screen = "sim.batch"\ntarget = "#source"\n'
    bad = steps_file(
        tmp_path / "bad.toml",
        source + 'auto = { choose = "range" }',
        'screen = "card_write.write"\ntarget = "#cw-light"\nneeds = "reader"\n'
        'wait = { phase = "ready" }',
    )
    problems = check_tour(load_tour(bad))
    assert any("step 1: auto.choose needs wait" in p for p in problems)
    assert any("no needs = 'no_reader' step says what is skipped" in p for p in problems)
    with pytest.raises(TourError, match=r"step 1: needs is one of reader, no_reader"):
        load_tour(steps_file(bad, source + 'needs = "printer"'))
    with pytest.raises(TourError, match=r"auto.choose goes alone"):
        load_tour(steps_file(bad, source + 'auto = { choose = "range", press = ["enter"] }'))
