"""The Footer fits the terminal in every frame, whatever keys a screen shows once data loads."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets._footer import FooterKey

from branchdesk.tui.terminal_footer import FittingFooter, _Key, fit

LONG = [Binding(f"f{n}", f"act{n}", f"Rather long action {n}", show=True) for n in range(2, 9)]


class LoadingScreen(Screen[None]):
    """Shows two more keys once its "data" has loaded, like the stock screen."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        *LONG,
        Binding("f9", "more", "Shown after loading"),
        Binding("f10", "more2", "Also after loading"),
        Binding("f1", "show_keys", "Keys"),
    ]
    loaded = False

    def compose(self) -> ComposeResult:
        yield FittingFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.loaded or action not in ("more", "more2")


class FooterApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(LoadingScreen())


def footer_width(footer: FittingFooter) -> int:
    return sum(
        key.outer_size.width + key.styles.margin.left + key.styles.margin.right
        for key in footer.query(FooterKey)
    )


async def test_the_footer_fits_in_the_first_frame_after_the_keys_change() -> None:
    app = FooterApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoadingScreen)
        footer = screen.query_one(FittingFooter)
        assert footer.compact and 0 < footer_width(footer) <= 80
        assert footer.virtual_size.width <= footer.size.width == 80
        screen.loaded = True
        screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()  # the rebuild runs after the next refresh: no further layout pass
        assert footer.virtual_size.width <= 80 and footer_width(footer) <= 80
        shown = [key.action for key in footer.query(FooterKey)]
        assert shown[-2:] == ["show_keys", "command_palette"]
        assert footer.left_out  # the keys F1 lists; nothing is cut at the edge
        await pilot.resize_terminal(300, 24)
        await pilot.pause()
        await pilot.pause()
        assert not footer.compact and footer.left_out == []


def key(action: str, description: str, *, palette: bool = False) -> _Key:
    return _Key("f2", "f2", description, action, True, "", palette=palette)


def test_fit_keeps_the_usual_spacing_when_it_fits() -> None:
    keys = [key("a", "Back"), key("show_keys", "Keys"), key("command_palette", "Cmd", palette=True)]
    assert fit(keys, 80) == (False, keys)


def test_fit_goes_compact_then_leaves_out_keys_from_the_right_but_never_f1() -> None:
    keys = [key(f"a{n}", "x" * 12) for n in range(6)] + [
        key("show_keys", "Keys"),
        key("command_palette", "Commands", palette=True),
    ]
    compact, shown = fit(keys, 80)
    assert compact
    assert [k.action for k in shown] == ["a0", "a1", "a2", "show_keys", "command_palette"]
    assert sum(k.width(True) for k in shown) <= 80
    compact, shown = fit(keys, 20)  # narrower than the pinned keys: they still stay
    assert [k.action for k in shown] == ["show_keys", "command_palette"]


def test_zh_descriptions_count_double_width_cells() -> None:
    assert key("a", "返回").width(False) == len(" f2 ") + 4 + 1
    assert key("a", "返回").width(True) == len("f2 ") + 4 + 1
