"""The Unicode 14.0 tables both scorers ship (docs/model-format.md section 1)."""

from __future__ import annotations

import unicodedata

import pytest

from training import unicode_pin as pin
from training.features import normalize


def ranges_of_category(category: str) -> tuple[tuple[int, int], ...]:
    ranges: list[tuple[int, int]] = []
    start = None
    for code_point in range(0x110000):
        inside = unicodedata.category(chr(code_point)) == category
        if inside and start is None:
            start = code_point
        elif not inside and start is not None:
            ranges.append((start, code_point - 1))
            start = None
    if start is not None:
        ranges.append((start, 0x10FFFF))
    return tuple(ranges)


@pytest.mark.skipif(unicodedata.unidata_version != pin.UNICODE_VERSION, reason="the tables are Unicode 14.0's")
@pytest.mark.parametrize(("category", "table"), [("Cn", pin.UNASSIGNED_RANGES), ("Mn", pin.NONSPACING_MARK_RANGES)])
def test_tables_equal_unicodedata(category: str, table: tuple[tuple[int, int], ...]) -> None:
    assert ranges_of_category(category) == table


def test_typescript_copy_is_generated_from_these_tables() -> None:
    assert pin.TS_PATH.read_text(encoding="utf-8") == pin.render_typescript(), "run: python -m training.unicode_pin"


def test_unassigned_code_points_are_left_as_they_are() -> None:
    # U+0897 is unassigned in 14.0 (a mark since 16.0), U+1171E is Mn in 14.0 (Mc since 16.0).
    assert normalize("Caf\u00e9\u0897X\U0001171ey") == "cafe\u0897xy"
