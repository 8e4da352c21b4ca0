"""Line breaking for mixed Chinese and Latin text, by terminal cells.

Textual and Rich break lines only at spaces, so a Chinese sentence is one "word": it is cut
wherever the width runs out, and a line may begin with "，" or "：". Here a line may break
at a space or between two characters where either is wide (CJK), but never before closing
punctuation nor after opening punctuation (the basic Chinese line-breaking rule, 禁则).
Latin words and numbers stay whole unless longer than a line.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size

NO_LINE_START = frozenset("，。、；：？！）」』》】〉’”…·%,.;:?!)]}〕～")
NO_LINE_END = frozenset("（「『《【〈‘“([{〔")


def _wide(char: str) -> bool:
    return get_character_cell_size(char) == 2


def _may_break_before(text: str, i: int) -> bool:
    """May a line start at ``text[i]`` (the break between ``text[i-1]`` and ``text[i]``)?"""
    before, after = text[i - 1], text[i]
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    if before == " " and after != " ":
        return True
    return (_wide(before) or _wide(after)) and after != " " and before != " "


def break_offsets(text: str, width: int) -> list[int]:
    """Indices at which ``text`` (one paragraph, no newlines) starts a new line; spaces before
    an index end the line before it (strip them)."""
    if width < 2 or cell_len(text) <= width:
        return []
    allowed = [i for i in range(1, len(text)) if _may_break_before(text, i)]
    offsets: list[int] = []
    start = 0
    while cell_len(text[start:].rstrip(" ")) > width:
        fitting = [b for b in allowed if b > start and cell_len(text[start:b].rstrip(" ")) <= width]
        if fitting:
            cut = fitting[-1]
        else:  # one word longer than a line: cut it where the width ends
            cut, used = start, 0
            while cut < len(text) and used + get_character_cell_size(text[cut]) <= width:
                used += get_character_cell_size(text[cut])
                cut += 1
            cut = max(cut, start + 1)
        while cut < len(text) and text[cut] == " ":  # spaces at a break belong to no line
            cut += 1
        offsets.append(cut)
        start = cut
    return offsets


def break_lines(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells (paragraphs split at its newlines)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        cuts = [0, *break_offsets(paragraph, width), len(paragraph)]
        lines += [paragraph[a:b].rstrip(" ") for a, b in zip(cuts, cuts[1:], strict=False)]
    return lines
