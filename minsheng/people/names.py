"""Names: which characters a name may hold, and names as pinyin for search by sound (张 and 章 are both "zhang").

A name is written as on the ID card. Chinese names use any CJK ideograph, including the rare characters (生僻字) of
the extensions beyond the Basic Multilingual Plane (𪚥, U+2A6A5, is Extension B), plus 〇 (U+3007, "ling") and the
middle dot of minority names (阿依古丽·买买提; the ID card's "·", or the "•" and "・" keyboards produce). Latin
letters with space, dot, apostrophe and hyphen cover foreigners' permanent residence permits.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin

# Every CJK ideograph block: Extension A, the Unified Ideographs (URO), the Compatibility Ideographs, and planes 2
# and 3 whole — the Supplementary and Tertiary Ideographic Planes, which Unicode reserves for ideographs (Extensions
# B–I and the Compatibility Supplement today, later extensions as they come), so a newer extension is accepted
# before this code hears of it. Then 〇. Radicals and strokes are not ideographs and stay refused.
IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003fffd\u3007"
MIDDLE_DOTS = "·•・"
_NAME = re.compile(rf"^[{IDEOGRAPHS}{MIDDLE_DOTS}A-Za-z .'-]{{1,50}}$")
_HAS_IDEOGRAPH = re.compile(rf"[{IDEOGRAPHS}]")


def is_valid_name(name: str) -> bool:
    """Chinese characters (with the middle dot of minority names) or Latin letters, 1 to 50 characters."""
    return bool(_NAME.match(name)) and bool(name.strip(" ·•・.'-"))


def _unknown(characters: str) -> list[str]:
    """pypinyin's fallback for characters it has no reading of: a compatibility ideograph is read as the unified
    ideograph it stands for (its NFKC form); anything else gives no syllable, so the name is still registered and
    found by its characters (search falls back to the name itself)."""
    syllables: list[str] = []
    for character in characters:
        unified = unicodedata.normalize("NFKC", character)
        if unified != character:
            syllables += [s for s in lazy_pinyin(unified, errors="ignore") if s.strip()]
    return syllables


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """The toneless pinyin of a name, joined (``zhangsan``), and its initials (``zs``)."""
    # pypinyin takes a list from the fallback as well as a string (its stubs say only the string).
    syllables = [s.lower() for s in lazy_pinyin(name, errors=_unknown) if s.strip(" ·•・")]  # type: ignore[arg-type]
    return "".join(syllables).replace("ü", "v"), "".join(s[0] for s in syllables if s)


def query_pinyin(query: str) -> str:
    """A search text as pinyin: Chinese is converted, Latin letters are kept (``zhang s`` → ``zhangs``)."""
    return name_pinyin(query)[0] if _HAS_IDEOGRAPH.search(query) else re.sub(r"[^a-z]", "", query.lower())
