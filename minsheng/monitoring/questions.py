"""The structured questions of a visit, per visit kind: data, rendered into the phone page and checked on arrival.

A question (``core.questions.Question``) is a choice (one of its codes) or a short text. ``answers_clean`` is the
server's check of what a phone sends (``core.questions.answers_check``). Other modules' visit kinds name their own
questions in their ``VisitKind`` (``core.modules``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.core.questions import TEXT_MAX, Question, answers_check
from minsheng.monitoring.models import Visit

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
    return answers_check(questions_for(kind), raw)


__all__ = ["TEXT_MAX", "Question", "answers_check", "answers_clean", "questions_for"]
