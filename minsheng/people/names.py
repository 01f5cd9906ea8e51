"""Names as pinyin, for search by sound (张 and 章 are both "zhang")."""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_NAME = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff·•A-Za-z .'-]{1,50}$")


def is_valid_name(name: str) -> bool:
    """Chinese characters (with the middle dot of minority names) or Latin letters, 1 to 50 characters."""
    return bool(_NAME.match(name)) and bool(name.strip(" ·•.'-"))


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """The toneless pinyin of a name, joined (``zhangsan``), and its initials (``zs``)."""
    syllables = [s.lower() for s in lazy_pinyin(name, errors="ignore") if s.strip()]
    initials = [s.lower() for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if s.strip()]
    return "".join(syllables).replace("ü", "v"), "".join(initials)


def query_pinyin(query: str) -> str:
    """A search text as pinyin: Chinese is converted, Latin letters are kept (``zhang s`` → ``zhangs``)."""
    return name_pinyin(query)[0] if re.search(r"[\u3400-\u9fff]", query) else re.sub(r"[^a-z]", "", query.lower())
