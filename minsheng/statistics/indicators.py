"""Every figure of the statistics, defined once — by the module whose records it counts (``core.modules``).

Two layers:

- **Stored indicators** (``stored()``): what ``refresh.py`` computes from the records into ``Cell`` rows, per area
  code and month. Each belongs to a *family* (``families()``: the records it reads, declared by a module as a
  ``StatisticsFamily``), so a change of one kind of record recomputes only its family.
- **Headline figures** (``headlines()``): the cards of the dashboard, one per row of the bureau's published figures
  (``PUBLISHED``) that an installed module supports (``Module.headlines``), each read from stored indicators; the
  published rows no installed module supports are shown as "not available", never with a number (``unavailable()``).

The definitions in words, with the reasons, are in ``docs/indicators.md``; keep the two together.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import Headline, Indicator, StatisticsFamily, StatisticsTable, derived, modules

# Units of figures and table columns. Money is fen; a percentage is an integer per mille (953 = 95.3 %), so that
# every value is an exact integer; the pages divide it by PERCENT_SCALE to show the percentage.
PERSONS = "persons"
FEN = "fen"
COUNT = "count"
PERCENT = "percent"
PERSON_TIMES = "person_times"
TEXT = "text"
PERCENT_SCALE = 10


@derived
def families() -> dict[str, StatisticsFamily]:
    """Every family of stored indicators the installed modules declare, by key."""
    found: dict[str, StatisticsFamily] = {}
    for module in modules():
        for family in module.statistics:
            if family.key in found:
                raise ValueError(f"statistics family {family.key!r} is declared twice")
            found[family.key] = family
    return found


@derived
def stored() -> dict[str, Indicator]:
    """Every stored indicator, by key."""
    found: dict[str, Indicator] = {}
    for family in families().values():
        for indicator in family.indicators:
            if indicator.key in found:
                raise ValueError(f"indicator {indicator.key!r} is declared twice")
            found[indicator.key] = indicator
    return found


def stored_in(family: str) -> list[str]:
    return [indicator.key for indicator in families()[family].indicators]


@dataclass(frozen=True)
class Published:
    """A row of the figures the bureau publishes (BRIEF.md): shown as a card when a module supports it."""

    key: str
    label: Promise
    unit: str
    stock: bool


# Rows of the BRIEF's table whose module may not be installed: shown as not available until one declares a headline
# with the same key.
PUBLISHED: tuple[Published, ...] = (
    Published("vagrants_helped", _("Vagrants helped"), PERSON_TIMES, False),
    Published("vagrants_reunited", _("Vagrants reunited with their families"), PERSONS, False),
    Published("social_organisations", _("Social organisations"), COUNT, True),
    Published("community_social_organisations", _("Community social organisations"), COUNT, True),
    Published("social_workers", _("Licensed social workers"), PERSONS, True),
    Published("volunteer_teams", _("Volunteer teams"), COUNT, True),
    Published("volunteers", _("Registered volunteers"), PERSONS, True),
    Published("community_centres", _("Communities with a standard service centre"), COUNT, True),
    Published("care_institutions", _("Care institutions"), COUNT, True),
    Published("home_care_elderly", _("Old people under home-visit care"), PERSONS, True),
    Published("childrens_homes", _("Children's homes"), COUNT, True),
    Published("children_care_projects", _("Children's care projects"), COUNT, True),
    Published("cemeteries_filed", _("Commercial cemeteries with filed prices"), COUNT, True),
)


@derived
def headlines() -> tuple[Headline, ...]:
    """The cards the installed modules supply, in order."""
    cards = sorted((h for m in modules() for h in m.headlines), key=lambda h: (h.order, h.key))
    keys = [h.key for h in cards]
    if len(set(keys)) != len(keys):
        raise ValueError("a headline figure is declared twice")
    return tuple(cards)


# The keys of the tables the statistics build themselves (``selectors``): a module's table may not take one.
OWN_TABLES = frozenset(
    {"monthly_paid", "by_area", "programme_mix", "on_time_by_department", "monthly_caseload", "monthly_window"}
)


@derived
def tables() -> tuple[StatisticsTable, ...]:
    """The dashboard tables the installed modules supply (``Module.statistics_tables``), in order."""
    found = sorted((t for m in modules() for t in m.statistics_tables), key=lambda t: (t.order, t.key))
    keys = [t.key for t in found]
    if len(set(keys)) != len(keys) or OWN_TABLES & set(keys):
        raise ValueError("a statistics table is declared twice")
    return tuple(found)


def unavailable() -> tuple[Published, ...]:
    """The published rows no installed module supports."""
    supplied = {h.key for h in headlines()}
    return tuple(p for p in PUBLISHED if p.key not in supplied)


NOT_BUILT_NOTE = _("Not available: the module that records this is not built yet.")
