"""How long a free text may be: the one source for models (``max_length``), forms and serializers, and the checks
in services (``require_length``).

A limit is generous for what people write at a window and small enough that a list stays readable and a pasted
document (a 120,000-character "question") is refused with a plain reason instead of being stored.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# A person's name as on the ID card (the longest minority names with their middle dots fit).
NAME_MAX = 50
# A short label typed by hand: a material's name, a bank's name, an address.
LABEL_MAX = 200
# A reason or a note that goes with a change, a reveal, an approval or a rejection.
REASON_MAX = 500
# A longer text: a question asked at a window, the reasons of a decision, a legal basis, findings.
TEXT_MAX = 2000
# A stored text composed of a typed text (TEXT_MAX) and the sentence a service puts around it: the reasons of an
# audit event, or of a window item decided by a programme ("Granted ¥500.00. " + the reasons typed).
COMPOSED_MAX = 4000
# How many lines a list typed one a line may have (materials asked for or brought).
LIST_MAX = 50


def require_length(**texts: tuple[str | None, int]) -> None:
    """Raise a ValidationError naming each field whose text is longer than its limit:
    ``require_length(reason=(reason, REASON_MAX))``."""
    errors = {
        field: _("At most %(limit)d characters (this has %(count)d).") % {"limit": limit, "count": len(text)}
        for field, (text, limit) in texts.items()
        if text is not None and len(text) > limit
    }
    if errors:
        raise ValidationError(errors)
