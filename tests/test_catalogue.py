"""The ``.po`` catalogue is the one source of the Chinese text: every message the Python code marks for translation
has its entry there, and no translation call hides where ``makemessages`` cannot see it (inside an f-string, whose
English then showed on the dashboard: "统计期间：…。Payroll lines the bank returned as paid.")."""

from __future__ import annotations

import ast
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "minsheng" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLAIN = {"_", "gettext", "gettext_lazy", "_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}


def _sources() -> list[Path]:
    return [
        path
        for path in sorted((ROOT / "minsheng").rglob("*.py"))
        if "tests" not in path.relative_to(ROOT).parts and "migrations" not in path.parts
    ]


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def messages(source: str) -> tuple[set[tuple[str | None, str]], list[int]]:
    """The (context, msgid) of every translation call with literal arguments in ``source``, and the lines of those
    that sit inside an f-string."""
    found: set[tuple[str | None, str]] = set()
    hidden: list[int] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            hidden.extend(
                inner.lineno
                for inner in ast.walk(node)
                if isinstance(inner, ast.Call) and _name(inner) in PLAIN | CONTEXT
            )
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = _name(node)
        if name in PLAIN and (msgid := _literal(node.args[0])) is not None:
            found.add((None, msgid))
        elif name in CONTEXT and len(node.args) > 1:
            context, msgid = _literal(node.args[0]), _literal(node.args[1])
            if context is not None and msgid is not None:
                found.add((context, msgid))
    return found, hidden


def test_the_checker_finds_messages_and_calls_hidden_in_f_strings() -> None:
    source = 'a = _("One")\nb = pgettext_lazy("verb", "Open")\nc = f"{note} {_(\'Hidden\')}"\n'
    found, hidden = messages(source)
    assert found == {(None, "One"), ("verb", "Open"), (None, "Hidden")}
    assert hidden == [3]


def test_no_translation_call_inside_an_f_string() -> None:
    offenders: list[str] = []
    for path in _sources():
        _found, hidden = messages(path.read_text(encoding="utf-8"))
        offenders.extend(f"{path.relative_to(ROOT)}:{line}" for line in hidden)
    assert offenders == []


def test_every_message_of_the_code_is_in_the_catalogue_with_its_chinese() -> None:
    catalogue = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}
    missing: list[str] = []
    for path in _sources():
        found, _hidden = messages(path.read_text(encoding="utf-8"))
        missing.extend(
            f"{path.relative_to(ROOT)}: {key[0] + ' | ' if key[0] else ''}{key[1]}"
            for key in sorted(found, key=str)
            if not catalogue.get(key)
        )
    assert missing == []
