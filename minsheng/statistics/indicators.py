"""Every figure of the statistics, defined once: what it counts, from which records, in which unit.

Two layers:

- **Stored indicators** (``STORED``): what ``refresh.py`` computes from the records into ``Cell`` rows, per area
  code and month. Each belongs to a *family* (the records it reads), so a change of one kind of record recomputes
  only its family.
- **Headline figures** (``HEADLINES``): the cards of the dashboard, one per row of the BRIEF's table that the
  built modules support, each read from stored indicators; and the rows whose module does not exist yet
  (``UNAVAILABLE``), shown as "not available", never with a number.

The definitions in words, with the reasons, are in ``docs/indicators.md``; keep the two together.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minsheng.assistance.models import Programme

# Units of figures and table columns. Money is fen; a percentage is an integer per mille (953 = 95.3 %), so that
# every value is an exact integer; the pages divide it by PERCENT_SCALE to show the percentage.
PERSONS = "persons"
FEN = "fen"
COUNT = "count"
PERCENT = "percent"
PERSON_TIMES = "person_times"
TEXT = "text"
PERCENT_SCALE = 10

# Families: the records each stored indicator is computed from.
BENEFITS = "benefits"  # assistance.Benefit: who is enrolled in a month (a stock, "as at the month")
PAYMENTS = "payments"  # payments.PaymentLine returned paid by the bank, by the month paid for
TEMPORARY = "temporary"  # assistance.TemporaryAid paid, by the month of payment
WINDOW = "window"  # intake: consultations, applications, item cases received and decided

FAMILIES = (BENEFITS, PAYMENTS, TEMPORARY, WINDOW)

# The programmes paid monthly by the payroll (the standing programmes); 临时救助 is a one-off (TemporaryAid).
DISABILITY_PROGRAMMES = (Programme.DISABILITY_LIVING, Programme.DISABILITY_CARE)
CHILD_PROGRAMMES = (Programme.ORPHAN, Programme.CHILD_ILL_DISABLED)


@dataclass(frozen=True)
class Stored:
    """An indicator kept in ``Cell`` rows. ``stock``: a count as at the month (read at the end of a period);
    otherwise a flow (summed over the months of a period)."""

    key: str
    family: str
    stock: bool
    value: str  # what ``Cell.value`` holds
    value2: str  # what ``Cell.value2`` holds
    dimension: str  # what ``Cell.dimension`` holds


STORED: dict[str, Stored] = {
    s.key: s
    for s in (
        Stored(
            "beneficiaries",
            BENEFITS,
            True,
            "persons covered (Benefit.covered) of the benefits paying in the month",
            "benefits (households or persons paid) paying in the month",
            "programme",
        ),
        Stored(
            "disabled",
            BENEFITS,
            True,
            "distinct payees of 困难残疾人生活补贴 or 重度残疾人护理补贴 paying in the month",
            "0",
            "",
        ),
        Stored(
            "children",
            BENEFITS,
            True,
            "distinct payees of 孤儿/事实无人抚养 or 重病重残儿童 allowances paying in the month",
            "0",
            "",
        ),
        Stored(
            "paid",
            PAYMENTS,
            False,
            "fen paid (lines the bank returned paid), by the month paid for",
            "lines",
            "programme",
        ),
        Stored("temporary", TEMPORARY, False, "fen of temporary assistance paid in the month", "payments", "kind"),
        Stored("consultations", WINDOW, False, "consultations recorded in the month", "0", ""),
        Stored("applications", WINDOW, False, "applications submitted in the month", "0", ""),
        Stored("items_received", WINDOW, False, "item cases accepted in the month", "0", "department code"),
        Stored(
            "items_decided",
            WINDOW,
            False,
            "item cases decided in the month",
            "of them decided on or before their deadline",
            "department code",
        ),
    )
}


def stored_in(family: str) -> list[str]:
    return [key for key, s in STORED.items() if s.family == family]


@dataclass(frozen=True)
class Headline:
    """A card of the dashboard: ``key`` is stable (tests, Excel, calibration), ``label`` translated."""

    key: str
    label: Promise
    unit: str
    stock: bool  # read at the end of the period (else summed over it)


HEADLINES: tuple[Headline, ...] = (
    Headline("dibao_persons", _("低保 recipients"), PERSONS, True),
    Headline("tekun_persons", _("特困 supported persons"), PERSONS, True),
    Headline("disabled_in_difficulty", _("Persons with disabilities in difficulty"), PERSONS, True),
    Headline("children_in_difficulty", _("Children in difficulty"), PERSONS, True),
    Headline("paid_total", _("Assistance paid"), FEN, False),
    Headline("temporary_paid", _("Temporary assistance paid"), FEN, False),
    Headline("temporary_helped", _("Temporary assistance: persons helped (person-times)"), PERSON_TIMES, False),
    Headline("consultations", _("Policy consultations handled"), COUNT, False),
    Headline("applications", _("Assistance applications handled"), COUNT, False),
    Headline("items_decided", _("One-window items decided"), COUNT, False),
    Headline("on_time_rate", _("Items decided on time"), PERCENT, False),
)

# Rows of the BRIEF's table whose module is not built: shown as not available, never with a number.
UNAVAILABLE: tuple[Headline, ...] = (
    Headline("vagrants_helped", _("Vagrants helped"), PERSON_TIMES, False),
    Headline("vagrants_reunited", _("Vagrants reunited with their families"), PERSONS, False),
    Headline("social_organisations", _("Social organisations"), COUNT, True),
    Headline("community_social_organisations", _("Community social organisations"), COUNT, True),
    Headline("social_workers", _("Licensed social workers"), PERSONS, True),
    Headline("volunteer_teams", _("Volunteer teams"), COUNT, True),
    Headline("volunteers", _("Registered volunteers"), PERSONS, True),
    Headline("community_centres", _("Communities with a standard service centre"), COUNT, True),
    Headline("care_institutions", _("Care institutions"), COUNT, True),
    Headline("home_care_elderly", _("Old people under home-visit care"), PERSONS, True),
    Headline("childrens_homes", _("Children's homes"), COUNT, True),
    Headline("children_care_projects", _("Children's care projects"), COUNT, True),
    Headline("cemeteries_filed", _("Commercial cemeteries with filed prices"), COUNT, True),
)

NOT_BUILT_NOTE = _("Not available: the module that records this is not built yet.")
