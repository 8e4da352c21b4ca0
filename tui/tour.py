"""Guided tours: TOML data files a trainer edits without code, and their validation.

One file per workflow in ``tui/tours/``. A tour names where it starts (``start = "login"`` logs
out first, so the trainee logs in with the tour's account; ``"home"`` goes back home), an
optional scenario preset to reset the sandbox to, and its steps::

    [[steps]]
    screen = "points.lookup"       # where the step happens: a screen registry id
    target = "#member-query"                                          # the widget it talks about
    text.zh-CN = "输入会员手机号。"
    text.en = "Type the member's mobile number."
    wait = { field = "#member-query", value = "13800138000" }   # or { key = "f2" },
                                                                # or { screen = "registry.id" }
    auto = { type = "13800138000", press = ["enter"] }          # what auto-play does
    auto = { choose = "range" }   # a Select: open it, move to that value's option, Enter

A step may need the card reader: ``needs = "reader"`` steps are played only when a PC/SC
reader holds a card (the demo's virtual SIM when pcscd runs), ``needs = "no_reader"`` steps only
when none does — a tour with reader steps has such a step, saying plainly what it skips.
``wait = { phase = "ready" }`` waits for the screen's ``phase`` (screens with steps of their
own, such as the card steps, name where they are).

``choose`` starts from whatever the Select shows (a screen may remember the last choice), so
auto-play never depends on the state a clerk left behind. A step without ``wait`` is read and
then left with Next (auto-play moves on by itself).
``tour_check.check_tour`` verifies what can be checked without running the app; the tests also
play every tour in auto-play, which finds every target on its screen.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from branchdesk.tui import screen_registry
from branchdesk.tui.i18n import LANGUAGES, language

TOURS_DIR = Path(__file__).with_name("tours")
STARTS = ("login", "home")
NEEDS = ("reader", "no_reader")
SPEEDS = {"slow": 3.0, "normal": 1.5, "fast": 0.6}
"""Seconds auto-play spends on a step before acting."""
# Keys a focused widget handles itself (no binding): typing into inputs, moving in lists.
WIDGET_KEYS = frozenset(
    {
        "enter",
        "tab",
        "shift+tab",
        "up",
        "down",
        "left",
        "right",
        "space",
        "escape",
        "home",
        "end",
        "pageup",
        "pagedown",
        "backspace",
    }
)


class TourError(ValueError):
    """A tour file that cannot be used; the message names the file and the step."""


@dataclass(frozen=True)
class Wait:
    key: str | None = None
    field: str | None = None
    value: str | None = None
    screen: str | None = None
    phase: str | None = None


@dataclass(frozen=True)
class Auto:
    type: str = ""
    press: tuple[str, ...] = ()
    choose: str = ""


@dataclass(frozen=True)
class Step:
    number: int
    screen: str
    target: str
    text: dict[str, str]
    wait: Wait | None = None
    auto: Auto = field(default_factory=Auto)
    needs: str | None = None

    def plays(self, reader: bool) -> bool:
        """Whether the step is played where a card reader is (``reader``) or is not."""
        return self.needs is None or (self.needs == "reader") == reader

    def text_now(self) -> str:
        return self.text.get(language()) or self.text["en"]

    @property
    def screen_name(self) -> str:
        return screen_registry.class_name(self.screen)


@dataclass(frozen=True)
class Tour:
    id: str
    path: Path
    title: dict[str, str]
    summary: dict[str, str]
    start: str
    login: str | None
    workflow: str | None
    preset: str | None
    steps: tuple[Step, ...]

    def title_now(self) -> str:
        return self.title.get(language()) or self.title["en"]

    @property
    def needs_reader(self) -> bool:
        return any(step.needs == "reader" for step in self.steps)

    def steps_for(self, reader: bool) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.plays(reader))

    def summary_now(self) -> str:
        return self.summary.get(language()) or self.summary["en"]


def _texts(node: Any, where: str) -> dict[str, str]:
    if not isinstance(node, dict):
        raise TourError(f"{where}: expected a table with {' and '.join(LANGUAGES)}")
    missing = [
        lang for lang in LANGUAGES if not isinstance(node.get(lang), str) or not node[lang].strip()
    ]
    if missing:
        raise TourError(f"{where}: text missing for {', '.join(missing)}")
    return {lang: node[lang].strip() for lang in LANGUAGES}


def _step(number: int, node: Any, where: str) -> Step:
    where = f"{where} step {number}"
    if not isinstance(node, dict):
        raise TourError(f"{where}: not a table")
    unknown = set(node) - {"screen", "target", "text", "wait", "auto", "needs"}
    if unknown:
        raise TourError(f"{where}: unknown keys {sorted(unknown)}")
    for name in ("screen", "target"):
        if not isinstance(node.get(name), str) or not node[name].strip():
            raise TourError(f"{where}: '{name}' is required")
    if ":" in node["screen"] or "." not in node["screen"]:
        raise TourError(f"{where}: screen must be a screen registry id such as 'common.home'")
    wait = None
    if "wait" in node:
        raw = node["wait"]
        if not isinstance(raw, dict) or set(raw) - {"key", "field", "value", "screen", "phase"}:
            raise TourError(f"{where}: wait takes key, field + value, screen or phase")
        kinds = [k for k in ("key", "field", "screen", "phase") if k in raw]
        if len(kinds) != 1 or not all(isinstance(v, str) for v in raw.values()):
            raise TourError(f"{where}: wait needs exactly one of key, field, screen or phase")
        if ("field" in raw) != ("value" in raw):
            raise TourError(f"{where}: wait.field needs wait.value")
        wait = Wait(**raw)
    auto = Auto()
    if "auto" in node:
        raw = node["auto"]
        if not isinstance(raw, dict) or set(raw) - {"type", "press", "choose"}:
            raise TourError(f"{where}: auto takes type, press and choose")
        press = raw.get("press", [])
        if (
            not isinstance(raw.get("type", ""), str)
            or not isinstance(raw.get("choose", ""), str)
            or not isinstance(press, list)
            or not all(isinstance(k, str) and k for k in press)
        ):
            raise TourError(
                f"{where}: auto.type and auto.choose are text, auto.press a list of key names"
            )
        if raw.get("choose") and (raw.get("type") or press):
            raise TourError(f"{where}: auto.choose goes alone (it presses the keys itself)")
        auto = Auto(raw.get("type", ""), tuple(press), raw.get("choose", ""))
    needs = node.get("needs")
    if needs is not None and needs not in NEEDS:
        raise TourError(f"{where}: needs is one of {', '.join(NEEDS)}")
    return Step(
        number,
        node["screen"].strip(),
        node["target"].strip(),
        _texts(node.get("text"), f"{where} text"),
        wait,
        auto,
        needs,
    )


def load_tour(path: Path) -> Tour:
    where = path.name
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TourError(f"{where}: {exc}") from None
    start = data.get("start", "home")
    if start not in STARTS:
        raise TourError(f"{where}: start must be one of {', '.join(STARTS)}")
    for name in ("login", "workflow", "preset"):
        if name in data and not isinstance(data[name], str):
            raise TourError(f"{where}: '{name}' must be text")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise TourError(f"{where}: a tour needs [[steps]]")
    return Tour(
        id=path.stem,
        path=path,
        title=_texts(data.get("title"), f"{where} title"),
        summary=_texts(data.get("summary"), f"{where} summary"),
        start=start,
        login=data.get("login"),
        workflow=data.get("workflow"),
        preset=data.get("preset"),
        steps=tuple(_step(n, node, where) for n, node in enumerate(steps, start=1)),
    )


def load_tours(directory: Path = TOURS_DIR) -> list[Tour]:
    """Every tour in ``directory``, sorted by file name; a broken file raises TourError."""
    return [load_tour(path) for path in sorted(directory.glob("*.toml"))]
