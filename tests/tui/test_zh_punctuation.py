"""zh-CN catalogs: no ASCII , : ; ( ) ! ? next to Chinese text (full-width ，：；（）！？ there)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import branchdesk

LOCALES = Path(branchdesk.__file__).parent / "tui" / "locales"
# Every catalog is checked.
CHECKED = ("points", "onboarding", "core", "installment", "demo", "sim", "card_write")
# CJK ideographs and the CJK/full-width punctuation blocks.
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
# A placeholder followed by "(" holds Chinese text (a name, a status): "王晓梅（k001）".
ASCII_BESIDE_CJK = re.compile(rf"(?<=[{CJK}]) *[,:;()!?]|[,:;()!?] *(?=[{CJK}])|\}}\(")
# The card-writing errors staff must recognise are quoted character for character from the
# source system (DOMAIN.md, "same meaning, same words"), half-width punctuation included.
VERBATIM_STAFF_TEXTS = {
    "card_write.cw.error.no_reader": "连接写卡器失败,请尝试重新插入白卡!",
    "card_write.cw.error.not_blank": "请更换白卡!",
}


def zh_entries() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(node: object, key: str) -> None:
        if isinstance(node, dict):
            for name, value in node.items():
                if name == "zh-CN" and isinstance(value, str):
                    found.append((key, value))
                else:
                    walk(value, f"{key}.{name}" if key else name)

    for path in sorted(LOCALES / f"{name}.toml" for name in CHECKED):
        walk(tomllib.loads(path.read_text(encoding="utf-8")), path.stem)
    return found


def test_the_check_flags_what_the_issue_saw() -> None:
    assert ASCII_BESIDE_CJK.search("请输入工号和密码,按 Enter 登录。")
    assert ASCII_BESIDE_CJK.search("导入(全部正确才发放)")
    assert ASCII_BESIDE_CJK.search("时间:{time}")
    assert ASCII_BESIDE_CJK.search("员工：{name}({id})")
    assert not ASCII_BESIDE_CJK.search("表头应为 card_no,points,note")
    assert not ASCII_BESIDE_CJK.search("请输入工号和密码，按 Enter 登录。")


def test_no_ascii_punctuation_beside_chinese_in_any_catalog() -> None:
    entries = zh_entries()
    assert len(entries) > 300
    bad = [
        f"{key}: {text}"
        for key, text in entries
        if ASCII_BESIDE_CJK.search(text) and VERBATIM_STAFF_TEXTS.get(key) != text
    ]
    assert not bad, "\n".join(bad)


def test_verbatim_staff_texts_are_in_the_catalog_as_quoted() -> None:
    entries = dict(zh_entries())
    for key, text in VERBATIM_STAFF_TEXTS.items():
        assert entries[key] == text, key


def test_brackets_stay_paired() -> None:
    for key, text in zh_entries():
        assert text.count("（") == text.count("）"), key
        assert text.count("(") == text.count(")"), key


def test_points_are_jifen_not_fen() -> None:
    """ "1 分" reads as one fen (a cent); points are 积分."""
    for key, text in zh_entries():
        assert not re.search(r"[}0-9] 分(?!钟)", text), (key, text)
