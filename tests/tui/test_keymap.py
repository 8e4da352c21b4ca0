"""The central keymap (tui/keymap.toml) and the staff member's ``[keys]`` in config.toml."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from branchdesk.clients.local.backend import Backend
from branchdesk.screens.common.keys_help import KeysHelpScreen
from branchdesk.screens.sim.batch import SimBatchScreen
from branchdesk.screens.sim.stock import SimStockScreen
from branchdesk.tui import i18n, keymap
from branchdesk.tui.options import load_options
from support.tui import SIZE, login, make_app, screen_text, wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_every_entry_has_a_description_in_both_languages_and_a_unique_id() -> None:
    ids = [entry.id for entries in keymap.tables().values() for entry in entries]
    assert len(ids) == len(set(ids)) > 100
    for entry in keymap.entries_by_id().values():
        assert keymap.key_error(entry.key) is None, entry
        for lang in ("zh-CN", "en"):
            i18n.set_language(lang)
            assert i18n._(entry.text) != entry.text, (entry, lang)
    i18n.set_language("en")


def test_screens_take_their_keys_from_the_keymap_only() -> None:
    """No screen writes its own ``Binding(...)`` table with ids: the keymap is the one place."""
    used: set[str] = set()
    for path in [*ROOT.glob("screens/**/*.py"), *ROOT.glob("tui/*.py")]:
        if path.name == "keymap.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Binding":
                assert not any(k.arg == "id" for k in node.keywords), f"{path}:{node.lineno}"
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "bindings"
                and getattr(node.func.value, "id", None) == "keymap"
                and isinstance(node.args[0], ast.Constant)  # tui/keys.py's keymap.bindings(keys)
            ):
                used.add(ast.literal_eval(node.args[0]))
            if isinstance(node, ast.ClassDef):  # class SimStockScreen(BaseScreen, keys="sim_stock")
                used.update(ast.literal_eval(k.value) for k in node.keywords if k.arg == "keys")
    assert used == set(keymap.tables())  # every table is some screen's, none is left over


def test_the_stock_screen_keeps_its_binding_ids_and_descriptions() -> None:
    got = [(b.key, b.action, b.description, b.id) for b in SimStockScreen.BINDINGS]  # type: ignore[union-attr]
    assert got[0] == ("f2", "pickup", "sim.keys.pickup", "sim_stock.pickup")
    assert got[-1] == ("f8", "batches", "sim.keys.batches", "sim_stock.batches")


def test_check_keeps_sound_remaps_and_says_why_it_drops_the_others() -> None:
    remaps, problems = keymap.check(
        {
            "sim_stock.pickup": "f9",
            "nope.missing": "f2",
            "sim_stock.lookup": "f3",  # the stock screen's Return
            "sim_stock.transfer": "ctrl+shift+nonsense",
            "points_lookup.mall": "f1",  # the App's help key, live on every screen
        }
    )
    assert remaps == {"sim_stock.pickup": "f9"}
    assert [(p.kind, p.id, p.key, p.other) for p in problems] == [
        ("unknown", "nope.missing", "f2", ""),
        ("bad_key", "sim_stock.transfer", "ctrl+shift+nonsense", ""),
        ("clash", "sim_stock.lookup", "f3", "sim_stock.return"),
        ("clash", "points_lookup.mall", "f1", "app.keys"),
    ]


def test_two_keys_may_swap_but_two_remaps_to_one_key_are_both_left_out() -> None:
    swap = {"sim_stock.pickup": "f3", "sim_stock.return": "f2"}
    assert keymap.check(swap) == (swap, [])
    remaps, problems = keymap.check({"sim_stock.pickup": "f9", "sim_stock.return": "f9"})
    assert remaps == {}
    assert {(p.id, p.other) for p in problems} == {
        ("sim_stock.pickup", "sim_stock.return"),
        ("sim_stock.return", "sim_stock.pickup"),
    }
    # Another screen's F9 is no clash: the two tables are never live together.
    assert keymap.check({"sim_stock.pickup": "f9", "points_grant.grant": "f9"})[1] == []


def test_keys_that_are_not_a_table_are_one_problem_not_a_crash() -> None:
    assert keymap.check("f9") == ({}, [keymap.Problem("not_table", "keys", "'f9'")])
    assert keymap.check({"sim_stock.pickup": 9})[1][0].kind == "bad_key"


def test_the_config_file_keys_table_is_read(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[keys]\n"sim_stock.pickup" = "f9"\n', "utf-8")
    options = load_options({}, {"BRANCHDESK_CONFIG_DIR": str(tmp_path)})
    assert options.keys == {"sim_stock.pickup": "f9"}


PICKUP = {"zh-CN": "领卡", "en": "Pick up"}
BACK = {"zh-CN": "返回", "en": "Back"}
LEFT_OUT = {"zh-CN": "未采用", "en": "left out"}


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_a_remapped_key_works_and_shows_in_the_footer_and_help(
    backend: Backend, lang: str
) -> None:
    keys = {"sim_stock.pickup": "f9", "sim_stock.lookup": "f3", "nope.missing": "f2"}
    app = make_app(backend, lang, keys=keys)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Said once at start, in the UI language; the app runs on with the defaults.
        said = [n.message for n in app._notifications]
        assert len(said) == 1 and LEFT_OUT[lang] in said[0], said
        assert "nope.missing" in said[0] and "sim_stock.lookup" in said[0]
        assert "sim_stock.return" in said[0] and "sim_stock.pickup" not in said[0]
        app.clear_notifications()
        await login(pilot, "c001")
        app.open_workflow("sim_stock")
        await wait_for(pilot, lambda: isinstance(app.screen, SimStockScreen))
        await wait_for(pilot, lambda: any(t.row_count for t in app.screen.query("#stock-table")))
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        # In its place: after Back, before Return (Textual would move it to the end).
        assert f"esc {BACK[lang]} f9 {PICKUP[lang]} f3 " in footer.replace("  ", " "), footer
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysHelpScreen))
        rows = dict(app.screen.rows)
        assert rows.get("F9", rows.get("f9")) == PICKUP[lang], rows
        assert PICKUP[lang] not in (rows.get("F2"), rows.get("f2"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SimStockScreen))
        await pilot.press("f2")  # no longer Pick up: nothing opens
        await pilot.pause()
        assert isinstance(app.screen, SimStockScreen)
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, SimBatchScreen))
