"""Where Django finds the app's models. Each part of ``assistance`` keeps its own in its ``models.py``:

* ``rules``: the rules as data (``Parameter``);
* ``means``: the household economic status and its lines, the authorisation, the means test and simulations;
* ``procedure``: the 低保 / 特困 procedure (``ProgrammeCase``, ``Objection``);
* ``benefits``: enrolment (``Benefit``, ``BenefitChange``);
* ``temporary``: temporary assistance (``TemporaryAid``, ``Referral``, ``AssessmentPrompt``).

Code imports a model from its part (``minsheng.assistance.benefits.models``), not from here.
"""

from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.means.models import (
    Assessment,
    AssessmentResult,
    AssetLine,
    Authorisation,
    AuthorisationSigner,
    EconomicStatus,
    ExpenseLine,
    IncomeLine,
    MaintenanceLine,
    MemberCondition,
    Simulation,
)
from minsheng.assistance.procedure.models import Objection, ProgrammeCase
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.temporary.models import AssessmentPrompt, Referral, TemporaryAid

__all__ = [
    "Assessment",
    "AssessmentPrompt",
    "AssessmentResult",
    "AssetLine",
    "Authorisation",
    "AuthorisationSigner",
    "Benefit",
    "BenefitChange",
    "EconomicStatus",
    "ExpenseLine",
    "IncomeLine",
    "MaintenanceLine",
    "MemberCondition",
    "Objection",
    "Parameter",
    "ProgrammeCase",
    "Referral",
    "Simulation",
    "TemporaryAid",
]
