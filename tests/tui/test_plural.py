"""English counts agree with their noun ("1 row", "2 rows"); Chinese texts have no plural."""

from __future__ import annotations

import re

import pytest

from branchdesk.tui import i18n
from branchdesk.tui.i18n import _, plural


@pytest.fixture
def english() -> object:
    before = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


def test_plural_helper() -> None:
    assert plural(1, "try", "tries") == "try"
    assert plural("1", "try", "tries") == "try"
    assert plural(2, "try", "tries") == "tries"
    assert plural(0, "try", "tries") == "tries"
    assert plural("1,000", "row", "rows") == "rows"
    assert plural(None, "row", "rows") == "rows"


@pytest.mark.usefixtures("english")
def test_counts_in_english_texts() -> None:
    assert _("onb.customers.count", shown=1, total=1).startswith("1 of 1 customer.")
    assert _("onb.customers.count", shown=1, total=2).startswith("1 of 2 customers.")
    assert _("points.detail.count", shown=1, total=1) == "1 of 1 row shown."
    assert _("points.grant.done", points=1, balance=11) == "Granted 1 point; balance 11."
    assert _("points.grant.done", points=5, balance=15) == "Granted 5 points; balance 15."
    assert _("inst.orders.count", n=1) == "1 order."
    assert _("demo.tours.steps", n=1, login="t001", preset="p").startswith("1 step ·")
    assert "1 character," in _("input.paste_too_long", n=1, limit=0)


def test_chinese_texts_use_no_plural_forms() -> None:
    for key, texts in i18n.catalog().items():
        assert not re.search(r"\{\w+\|", texts["zh-CN"]), key


def test_english_counts_have_a_plural_form() -> None:
    """A count placeholder right before a counted noun names both forms."""
    nouns = "characters|points|rows|members|orders|applications|steps|customers|lines|tries"
    loose = re.compile(rf"\{{(\w+)\}} (?:{nouns})\b")
    bad = []
    for key, texts in i18n.catalog().items():
        if key.split(".")[0] in ("sim", "cw"):
            continue  # their catalogs are another helper's (issue 14 language pass)
        if loose.search(texts["en"]):
            bad.append(f"{key}: {texts['en']}")
    assert not bad, "\n".join(bad)
