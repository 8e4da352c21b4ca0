"""The account-opening steps' shared lines: an offer item's line, the customer as the steps
show them (masked ID number)."""

from __future__ import annotations

import pytest

from branchdesk.clients import validators
from branchdesk.screens.card_write.names import masked_customer, offer_line
from branchdesk.tui import i18n

PACKAGE = {"id": "P1", "name_zh": "畅享套餐", "name_en": "Unlimited", "monthly_fee": "58"}
PACKAGE |= {"prepay": "100"}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_offer_line_names_the_item_in_the_language_and_fills_the_fields(lang: str) -> None:
    previous = i18n.language()
    i18n.set_language(lang)
    try:
        line = offer_line("cw.package.line", PACKAGE, fee="monthly_fee", prepay="prepay")
        name = PACKAGE["name_zh"] if lang == "zh-CN" else PACKAGE["name_en"]
        assert line == i18n._("cw.package.line", name=name, fee="58", prepay="100")
        assert name in line and "58" in line and "100" in line
    finally:
        i18n.set_language(previous)


def test_masked_customer_is_the_name_and_the_masked_id_number() -> None:
    customer = {"name": "王伟", "id_number": "110101199003078515", "contact": "13800138000"}
    shown = masked_customer(customer)
    assert shown == {"name": "王伟", "id": validators.mask_id_number("110101199003078515")}
    assert "199003" not in shown["id"]
