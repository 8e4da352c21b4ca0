"""The demo login lists every demo account (the workflows seed m002 and c002 too) and the demo
job number, uncut at 80x24 in both languages."""

from __future__ import annotations

import pytest

from support.tui import SIZE, make_app, screen_text, wait_for

ACCOUNTS = ["m001", "m002", "c001", "c002", "k001", "t001", "s001"]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_every_demo_account_and_the_job_number_are_on_the_login_screen(backend, lang):
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready and app.meta is not None, 15)
        await wait_for(pilot, lambda: bool(app.screen.query("#demo-accounts")))
        await pilot.pause()
        text = screen_text(app)
        for staff_id in ACCOUNTS:
            assert staff_id in text, (staff_id, text)
        assert "13985900001" in text, text
        assert ("赵敏" if lang == "zh-CN" else "赵敏") in text  # c002, the approver, by name
        assert ("营销人员" if lang == "zh-CN" else "supervisor") in text


async def test_meta_lists_the_store_accounts(client):
    meta = await client.meta()
    ids = [a["staff_id"] for a in meta["demo_accounts"]]
    assert sorted(ids) == sorted(ACCOUNTS)
    assert meta["demo_job_number"] == "13985900001"
