"""An ICCID file that could hang or exhaust the app is refused with a message, the UI responsive:
``/dev/zero`` (read whole on the event loop it grew to 3.8 GB), a FIFO without a writer, a file
over the size cap, too many lines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from branchdesk.clients.iccid_batch import BatchFileError, read_batch_file
from branchdesk.screens.sim.batch import SimBatchScreen
from branchdesk.tui.i18n import _
from support.tui import make_app, wait_for


def test_read_refuses_devices_fifos_and_huge_files(tmp_path: Path) -> None:
    fifo = tmp_path / "cards.fifo"
    os.mkfifo(fifo)
    for path, code in [("/dev/zero", "file_not_regular"), (fifo, "file_not_regular")]:
        with pytest.raises(BatchFileError) as caught:
            read_batch_file(path)
        assert caught.value.code == code
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(9 * 1024 * 1024)  # sparse: 9 MB claimed, nothing written
    with pytest.raises(BatchFileError) as caught:
        read_batch_file(big)
    assert caught.value.code == "file_too_big"
    many = tmp_path / "many.txt"
    many.write_text("\n" * 200_001)
    with pytest.raises(BatchFileError) as caught:
        read_batch_file(many)
    assert caught.value.code == "file_too_many_lines"
    ok = tmp_path / "ok.txt"
    ok.write_text("a\nb\n")
    assert read_batch_file(ok) == ["a", "b"]


async def _batch_screen(pilot, app) -> SimBatchScreen:  # noqa: ANN001
    from branchdesk.screens.sim.stock import SimStockScreen
    from support.tui import login

    await login(pilot, "c001")
    app.open_workflow("sim_stock")
    await wait_for(pilot, lambda: isinstance(app.screen, SimStockScreen), 10)
    await wait_for(pilot, lambda: any(t.row_count for t in app.screen.query("#stock-table")), 10)
    await pilot.press("f2")
    await wait_for(pilot, lambda: isinstance(app.screen, SimBatchScreen), 10)
    screen = app.screen
    await wait_for(pilot, lambda: screen.query_one("#agent", Select).value == "A00101", 10)
    return screen


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_dev_zero_a_fifo_and_a_huge_file_are_refused_in_the_ui(
    backend, tmp_path: Path, lang: str
) -> None:
    fifo = tmp_path / "cards.fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(64 * 1024 * 1024)
    app = make_app(backend, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _batch_screen(pilot, app)
        cases = [  # in the app's language, set once it runs
            ("/dev/zero", _("sim.error.file_not_regular")),
            (str(fifo), _("sim.error.file_not_regular")),
            (str(big), _("sim.error.file_too_big", mb=8)),
        ]
        for path, message in cases:
            field = screen.query_one("#file", Input)
            field.value = path
            field.focus()
            await pilot.pause()
            await pilot.press("f5")
            status = screen.query_one("#batch-status")
            try:
                await wait_for(pilot, lambda m=message, s=status: m in str(s.render()), 10)
            except AssertionError:
                raise AssertionError((path, str(status.render()))) from None
            assert "-error" in status.classes
            assert app.focused is field
            assert screen.preview is None
        # Still responsive: the next key is handled at once.
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SimBatchScreen), 5)


async def test_a_range_pasted_with_spaces_and_an_end_without_check_digit(backend) -> None:  # noqa: ANN001
    """Issue 15: '8986 0126 …' was cut by the 20-character limit; the end needed its check digit."""
    from branchdesk.clients.local.sim.seed import demo_iccid

    kind = "128k_normal"
    start, end = demo_iccid(1, kind, 101), demo_iccid(1, kind, 110)
    app = make_app(backend, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _batch_screen(pilot, app)
        screen.query_one("#source", Select).value = "range"
        await pilot.pause()
        screen.query_one("#start", Input).focus()
        spaced = " ".join(start[i : i + 4] for i in range(0, 20, 4))
        await pilot.press(*spaced)
        screen.query_one("#end", Input).focus()
        await pilot.press(*end[:-1])  # the body printed on the card, no check digit
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None, 15)
        assert screen.query_one("#start", Input).value == spaced
        assert screen.query_one("#end", Input).value == end
        assert screen.preview["found"] == 10
