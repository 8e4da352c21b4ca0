"""The query field of the points screens: type a member's card or mobile (a redemption ID on
the reversal screen), Enter finds it; what was found counts only while the field still says
what found it, and a new query clears the old answer, on screen too, before it runs."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.css.query import NoMatches
from textual.widgets import Input, Static

from branchdesk.clients import validators
from branchdesk.clients.points_api import PointsApi
from branchdesk.screens.common.actions import Failure, QueryResult
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.points.member import member_lines
from branchdesk.tui.i18n import _


def query_error(text: str) -> str | None:
    """Early check: an 11-digit mobile, or a member card number (13–19 digits, Luhn)."""
    value = text.replace(" ", "")
    if not value:
        return "required"
    if len(value) == 11:
        return validators.mobile_error(value)
    return validators.card_number_error(value)


class QueryScreen(BaseScreen):
    """A screen around one query field (``QUERY_ID``) and the line showing what it found
    (``FOUND_ID``, ``NONE_TEXT`` while nothing is); a subclass says how to check, fetch and
    describe what it looks for."""

    QUERY_ID: ClassVar[str]
    FOUND_ID: ClassVar[str]
    NONE_TEXT: ClassVar[str] = "points.lookup.none"
    FIND_CALL: ClassVar[str] = "find"
    """The name of the API call (``call_api``)."""
    FIND_KEYS: ClassVar[tuple[str, ...]] = ()
    """The keys greyed while a find runs (they act on what it finds)."""
    SEARCHING: ClassVar[str | None] = None
    """Shown while a find typed by the user runs."""

    def __init__(self) -> None:
        super().__init__()
        self.result: QueryResult[dict[str, Any]] = QueryResult()

    def normalize(self, text: str) -> str:
        raise NotImplementedError

    def query_problem(self, value: str) -> str | None:
        """The catalog key of what is wrong with ``value``, checked before asking the backend."""
        raise NotImplementedError

    def fetch(self, value: str) -> Awaitable[Any]:
        raise NotImplementedError

    def describe(self, found: dict[str, Any]) -> str:
        raise NotImplementedError

    def find_failed(self, failure: Failure) -> str | None:
        """Another message for a failed find, or None for the backend's own."""
        return None

    def after_found(self, found: dict[str, Any]) -> None:
        """What comes next once a query typed by the user found something."""

    # -- the query ----------------------------------------------------------------------------
    def query_text(self) -> str | None:
        try:
            return self.normalize(self.query_one(f"#{self.QUERY_ID}", Input).value)
        except NoMatches:
            return None

    @property
    def found(self) -> dict[str, Any] | None:
        """What the query found, only while the query field still says what found it."""
        return self.result.for_query(self.query_text())

    def found_first(self, missing: str) -> dict[str, Any] | None:
        """What the query found; None when nothing is: then the status line says ``missing``
        (a catalog key: find it first)."""
        found = self.found
        if found is None:
            self.show_status(_(missing), "error")
        return found

    @on(Input.Changed)
    def _query_changed(self, event: Input.Changed) -> None:
        if event.input.id == self.QUERY_ID:
            self.refresh_bindings()

    @on(Input.Submitted)
    def _query_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == self.QUERY_ID:
            self.find()

    def find(self) -> None:
        """The query typed: the old answer goes before anything else (a failed find must not
        leave it on screen), then the early check, then the backend."""
        value = self.query_text() or ""
        self.result.start(value)
        self.query_one(f"#{self.FOUND_ID}", Static).update(_(self.NONE_TEXT))
        self.refresh_bindings()
        problem = self.query_problem(value)
        if problem:
            self.show_status(_(problem), "error")
            return
        if self.SEARCHING:
            self.show_status(_(self.SEARCHING))
        self.fetch_found(value, typed=True)

    def fetch_found(self, value: str, typed: bool = False) -> None:
        """Ask the backend for ``value``; ``typed``: the user's own query, so ``after_found``."""

        def found(answer: Any) -> None:
            if not self.result.finish(value, answer):
                return
            self.show_found(answer)
            if typed:
                self.after_found(answer)

        self.call_api(
            self.FIND_CALL,
            lambda: self.fetch(value),
            found,
            failed=self.find_failed,
            keys=self.FIND_KEYS,
        )

    def show_found(self, found: dict[str, Any]) -> None:
        self.refresh_bindings()
        self.query_one(f"#{self.FOUND_ID}", Static).update(Text(self.describe(found)))


class MemberQueryScreen(QueryScreen):
    """A query screen that finds a member by card number or mobile."""

    @property
    def member(self) -> dict[str, Any] | None:
        """The member found, only while the query field still says what found them."""
        return self.found

    def normalize(self, text: str) -> str:
        return text.replace(" ", "")

    def query_problem(self, value: str) -> str | None:
        problem = query_error(value)
        return f"points.error.{problem}" if problem else None

    def fetch(self, value: str) -> Awaitable[Any]:
        return PointsApi(self.client).find_member(value)

    def describe(self, found: dict[str, Any]) -> str:
        return member_lines(found)
