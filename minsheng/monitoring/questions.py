"""The structured questions of a visit, per visit kind: data, rendered into the phone page and checked on arrival.

A question is a choice (one of its codes) or a short text. ``answers_clean`` is the server's check of what a phone
sends: unknown questions, unknown choices and over-long texts are refused; a question left out is unanswered (a
person may decline, or not be at home). The later modules' visits add their kinds here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from minsheng.monitoring.models import Visit

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


WARNING_VISIT = (
    Question(
        "living",
        _("Current living situation"),
        (
            ("normal", _("Basically normal")),
            ("hard", _("In difficulty")),
            ("very_hard", _("In great difficulty")),
        ),
    ),
    Question(
        "income",
        _("Change of income"),
        (
            ("same", _("No change")),
            ("less", pgettext_lazy("income", "Reduced")),
            ("none", _("No income any more")),
            ("more", _("Increased")),
        ),
    ),
    Question(
        "health",
        _("Health"),
        (
            ("healthy", _("Healthy")),
            ("chronic", _("Chronic illness")),
            ("serious", _("Serious illness")),
            ("disabled", _("Disability")),
        ),
    ),
    Question(
        "housing",
        _("Housing"),
        (
            ("safe", _("Safe")),
            ("repair", _("Needs repair")),
            ("unsafe", _("Unsafe (危房)")),
            ("none", _("No home of their own")),
        ),
    ),
    Question("needs", _("What the person needs most")),
    Question("notes", _("What else the visit found")),
)

QUESTIONS: Mapping[str, tuple[Question, ...]] = {
    Visit.Kind.WARNING: WARNING_VISIT,
    Visit.Kind.REGULAR: WARNING_VISIT,
}


def questions_for(kind: str) -> tuple[Question, ...]:
    return QUESTIONS.get(kind, ())


def answers_clean(kind: str, raw: Any) -> dict[str, str]:
    """The answers a phone sent, checked against the kind's questions; empty answers are left out."""
    if not isinstance(raw, dict):
        raise ValidationError({"answers": gettext("The answers are not readable.")})
    questions = {q.key: q for q in questions_for(kind)}
    unknown = sorted(str(key) for key in raw if key not in questions)
    if unknown:
        raise ValidationError({"answers": gettext("Unknown questions: %(keys)s.") % {"keys": ", ".join(unknown)[:200]}})
    answers: dict[str, str] = {}
    for key, value in raw.items():
        question = questions[key]
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
