"""Every ``unscoped()`` outside the door says why, in a one-line ``# unscoped: reason`` comment (issue 12, point 6).

The comment stands on one of the lines of the innermost statement holding the call (for a call in an ``if``,
``for``, ``while`` or ``with`` header, on the header's lines) or in the block of comment lines directly above it.
The reason has at least three words. Tests, migrations and ``core/scoping.py`` itself are not checked.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "minsheng"
REASON = re.compile(r"#\s*unscoped:\s*(.*)$")
MIN_WORDS = 3
# Fields of a compound statement that hold its nested statements rather than its header.
_BODY_FIELDS = {"body", "orelse", "finalbody", "handlers", "cases"}


def _has_reason(comment: str) -> bool:
    found = REASON.match(comment.strip())
    return found is not None and len(found.group(1).split()) >= MIN_WORDS


def _header_end(statement: ast.stmt | ast.expr) -> int:
    """The last line of a statement, or of the header of a compound statement (``if x:``, ``for a in b:``)."""
    if not any(field in _BODY_FIELDS for field in statement._fields):
        return statement.end_lineno or statement.lineno
    ends = [statement.lineno]
    for field, value in ast.iter_fields(statement):
        if field in _BODY_FIELDS or field == "decorator_list":
            continue
        for child in value if isinstance(value, list) else [value]:
            end = getattr(child, "end_lineno", None)
            if isinstance(end, int):
                ends.append(end)
    return max(ends)


def unexplained_calls(source: str, name: str = "<source>") -> list[str]:
    """``name:line`` of every ``.unscoped()`` call in ``source`` whose statement carries no reason."""
    tree = ast.parse(source)
    lines = source.splitlines()
    comments: dict[int, list[str]] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments.setdefault(token.start[0], []).append(token.string)
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    missing: list[int] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "unscoped"):
            continue
        holders = [s for s in statements if s.lineno <= node.lineno <= _header_end(s)]
        # A call in a decorator lies above its statement's first line: it stands alone.
        statement = min(holders, key=lambda s: _header_end(s) - s.lineno, default=node)
        own = range(statement.lineno, _header_end(statement) + 1)
        explained = any(_has_reason(c) for number in own for c in comments.get(number, []))
        number = statement.lineno - 1
        while not explained and number >= 1 and lines[number - 1].strip().startswith("#"):
            explained = _has_reason(lines[number - 1])
            number -= 1
        if not explained:
            missing.append(node.lineno)
    return [f"{name}:{number}" for number in sorted(missing)]


def _checked_files() -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(PACKAGE).parts[:-1])
        and path != PACKAGE / "core" / "scoping.py"
    ]


def test_every_unscoped_call_gives_its_reason() -> None:
    missing = []
    for path in _checked_files():
        name = str(path.relative_to(PACKAGE.parent))
        missing += unexplained_calls(path.read_text(encoding="utf-8"), name)
    assert not missing, "unscoped() without a '# unscoped: reason' comment:\n" + "\n".join(missing)


def test_the_checker_finds_calls_and_reads_reasons() -> None:
    assert any("unscoped()" in path.read_text(encoding="utf-8") for path in _checked_files())
    source = """\
def job():
    # Loaded for the monthly run.
    rows = Benefit.objects.unscoped().filter(
        status="active",
    )
    # unscoped: system job reads every benefit
    first = Benefit.objects.unscoped().first()
    second = (
        Benefit.objects.unscoped()  # unscoped: too short
        .first()
    )
    third = (
        Benefit.objects.unscoped()
        .filter(status="active")  # unscoped: the payroll reads every county
    )
    # unscoped: the demo city is built by the system
    # and a second line of explanation
    fourth = Benefit.objects.unscoped().count()
    # unscoped: a comment above a blank line does not count

    fifth = Benefit.objects.unscoped().count()
    if Benefit.objects.unscoped().exists():  # unscoped: uniqueness spans all areas
        # unscoped: this reason belongs to the body, not the header
        pass
    for row in Benefit.objects.unscoped():
        # unscoped: a reason inside the loop does not cover its header
        pass
    text = "# unscoped: inside a string is no comment"; sixth = Person.objects.unscoped()
"""
    assert unexplained_calls(source) == ["<source>:3", "<source>:9", "<source>:21", "<source>:25", "<source>:28"]
