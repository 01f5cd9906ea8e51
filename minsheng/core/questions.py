"""The structured questions of a home visit: data, rendered into the phone page and checked on arrival.

A question is a choice (one of its codes) or a short text. ``answers_check`` is the server's check of what a phone
sends: unknown questions, unknown choices and over-long texts are refused; a question left out is unanswered (a
person may decline, or not be at home). Each module's visit kinds (``core.modules.VisitKind``) name their questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext

TEXT_MAX = 300


@dataclass(frozen=True)
class Question:
    key: str
    label: str | Promise
    choices: tuple[tuple[str, str | Promise], ...] = ()  # empty: a text answer
    max_length: int = TEXT_MAX

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)


def answers_check(questions: Sequence[Question], raw: Any) -> dict[str, str]:
    """The answers a phone sent, checked against ``questions``; empty answers are left out."""
    if not isinstance(raw, dict):
        raise ValidationError({"answers": gettext("The answers are not readable.")})
    by_key = {q.key: q for q in questions}
    unknown = sorted(str(key) for key in raw if key not in by_key)
    if unknown:
        raise ValidationError({"answers": gettext("Unknown questions: %(keys)s.") % {"keys": ", ".join(unknown)[:200]}})
    answers: dict[str, str] = {}
    for key, value in raw.items():
        question = by_key[key]
        if not isinstance(value, str):
            raise ValidationError(
                {"answers": gettext("The answer to “%(q)s” is not readable.") % {"q": question.label}}
            )
        value = value.strip()
        if not value:
            continue
        if question.is_choice and value not in dict(question.choices):
            raise ValidationError({"answers": gettext("“%(q)s” has no such choice.") % {"q": question.label}})
        if len(value) > question.max_length:
            raise ValidationError(
                {
                    "answers": gettext("The answer to “%(q)s” is longer than %(n)s characters.")
                    % {"q": question.label, "n": question.max_length}
                }
            )
        answers[key] = value
    return answers
