"""The header at 80 columns keeps the staff member's name and role whole (over SSH the backend
address is long): the branch and the address give way first."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from branchdesk.tui.i18n import _, set_language
from branchdesk.tui.widgets import fit_header, role_names
from support.tui import SIZE, login, make_app, screen_text


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("width", [80, 60, 40])
def test_name_and_role_are_never_cut(lang: str, width: int) -> None:
    set_language(lang)
    try:
        who = _("header.staff", name="李建国", roles=role_names(["clerk", "supervisor"]))
        right = [_("header.demo"), "https://branchdesk.example.internal:8443", _("header.online")]
        line = fit_header(["中国移动黔西南州分公司兴义市坪东营业厅", who], right, width)
    finally:
        set_language("en")
    assert cell_len(line) == width
    assert who in line
    if width >= 60:
        assert "●" in line  # the connection state stays too


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_the_header_after_login_shows_name_and_role(backend, lang: str) -> None:
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "c001")
        header = screen_text(app).splitlines()[0]
        assert _("header.staff", name="李建国", roles=_("role.clerk")) in header, header
        assert ("李建国（营业员）" if lang == "zh-CN" else "李建国 (clerk)") in header, header
