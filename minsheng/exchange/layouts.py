"""The record layouts of the departments' data sources (DOMAIN §5): typed and versioned.

A layout is the list of columns a source's file or API batch carries, each with its type. A source names the layout
version it sends; a new version is a new entry here (the old one stays readable), never an edit of a published one.
The documented form of every layout is ``docs/exchange.md``. Every layout starts with the person's ID number and name:
records are matched to the registry by the ID's blind index, and the name tells a wrong match (ambiguous) apart.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from minsheng.core.modules import Label


class Kind(enum.StrEnum):
    ID = "id"  # a resident ID number (GB 11643; 15-digit legacy numbers accepted)
    NAME = "name"
    TEXT = "text"  # free text up to 100 characters
    DATE = "date"  # YYYY-MM-DD
    MONTH = "month"  # YYYY-MM
    YEAR = "year"
    FEN = "fen"  # an amount in yuan with at most two decimals, kept in fen
    AREA = "area"  # square metres with at most two decimals, kept in hundredths
    CHOICE = "choice"


@dataclass(frozen=True)
class Column:
    name: str
    label: Label
    kind: Kind
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """One version of a source's record layout. ``key``: the columns that make a row unique within a batch (a person
    given twice for the same key is a duplicate); ``date``: the column holding the record's date, ``amount``: its
    main amount (both copied to their own columns for the checks)."""

    source: str
    version: int
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("id_number",)
    date: str = ""
    amount: str = ""

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ID = Column("id_number", _("Resident ID number"), Kind.ID)
NAME = Column("name", _("Full name"), Kind.NAME)
MONTH = Column("month", _("Month"), Kind.MONTH)


def _layout(
    source: str, *columns: Column, key: tuple[str, ...] = ("id_number",), date: str = "", amount: str = ""
) -> Layout:
    return Layout(source, 1, (ID, NAME, *columns), key=key, date=date, amount=amount)


LAYOUTS: dict[tuple[str, int], Layout] = {
    (layout.source, layout.version): layout
    for layout in (
        _layout("police_death", Column("died_on", _("Date of death"), Kind.DATE), date="died_on"),
        _layout(
            "police_household",
            Column("change", _("Change"), Kind.CHOICE, choices=("moved_out", "moved_in", "detained", "released")),
            Column("changed_on", _("Date of change"), Kind.DATE),
            Column("note", _("Note"), Kind.TEXT, required=False),
            key=("id_number", "change", "changed_on"),
            date="changed_on",
        ),
        _layout(
            "hrss_contribution",
            MONTH,
            Column("base", _("Contribution base (yuan)"), Kind.FEN),
            Column("employer", _("Employer"), Kind.TEXT, required=False),
            key=("id_number", "month"),
            date="month",
            amount="base",
        ),
        _layout(
            "hrss_pension",
            MONTH,
            Column("amount", _("Pension (yuan)"), Kind.FEN),
            key=("id_number", "month"),
            date="month",
            amount="amount",
        ),
        _layout(
            "hrss_unemployment",
            MONTH,
            Column("amount", _("Unemployment benefit (yuan)"), Kind.FEN),
            key=("id_number", "month"),
            date="month",
            amount="amount",
        ),
        _layout(
            "tax_income",
            Column("year", _("Tax year"), Kind.YEAR),
            Column("income", _("Taxable income (yuan)"), Kind.FEN),
            key=("id_number", "year"),
            amount="income",
        ),
        _layout(
            "market_role",
            Column("company", _("Enterprise"), Kind.TEXT),
            Column("role", _("Role"), Kind.CHOICE, choices=("legal_rep", "shareholder", "executive", "sole_trader")),
            Column("capital", _("Registered capital (yuan)"), Kind.FEN, required=False),
            key=("id_number", "company", "role"),
            amount="capital",
        ),
        _layout(
            "property",
            Column("certificate", _("Certificate number"), Kind.TEXT),
            Column("kind", _("Property use"), Kind.CHOICE, choices=("residential", "commercial", "other")),
            Column("floor_area", _("Floor area (m²)"), Kind.AREA),
            Column("registered_on", _("Registered on"), Kind.DATE),
            key=("id_number", "certificate"),
            date="registered_on",
        ),
        _layout(
            "housing_fund",
            MONTH,
            Column("base", _("Contribution base (yuan)"), Kind.FEN),
            Column("balance", _("Balance (yuan)"), Kind.FEN),
            key=("id_number", "month"),
            date="month",
            amount="base",
        ),
        _layout(
            "vehicle",
            Column("plate", _("Plate number"), Kind.TEXT),
            Column("kind", _("Vehicle type"), Kind.CHOICE, choices=("car", "truck", "motorcycle", "farm", "other")),
            Column("registered_on", _("Registered on"), Kind.DATE),
            Column("value", _("Assessed value (yuan)"), Kind.FEN, required=False),
            key=("id_number", "plate"),
            date="registered_on",
            amount="value",
        ),
        _layout(
            "public_payroll",
            Column("employer", _("Employer"), Kind.TEXT),
            Column("since", _("Paid since"), Kind.DATE),
            date="since",
        ),
        _layout(
            "disability",
            Column("certificate", _("Certificate number"), Kind.TEXT),
            Column(
                "category",
                _("Category"),
                Kind.CHOICE,
                choices=("visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"),
            ),
            Column("grade", _("Disability grade"), Kind.CHOICE, choices=("1", "2", "3", "4")),
            Column("issued_on", _("Issued on"), Kind.DATE),
            date="issued_on",
        ),
        _layout(
            "medical_bill",
            Column("bill", _("Settlement number"), Kind.TEXT),
            Column("settled_on", _("Settled on"), Kind.DATE),
            Column("total", _("Total cost (yuan)"), Kind.FEN),
            Column("self_paid", _("Paid by the patient (yuan)"), Kind.FEN),
            key=("id_number", "bill"),
            date="settled_on",
            amount="self_paid",
        ),
        _layout(
            "student",
            Column("school", _("School"), Kind.TEXT),
            Column(
                "stage",
                _("Stage"),
                Kind.CHOICE,
                choices=("preschool", "primary", "junior", "senior", "vocational", "college"),
            ),
            Column("enrolled_on", _("Enrolled on"), Kind.DATE),
            date="enrolled_on",
        ),
        _layout(
            "court_enforcement",
            Column("case_number", _("Case number"), Kind.TEXT),
            Column("filed_on", _("Filed on"), Kind.DATE),
            Column("amount", _("Amount to enforce (yuan)"), Kind.FEN),
            key=("id_number", "case_number"),
            date="filed_on",
            amount="amount",
        ),
        _layout(
            "financial_asset",
            Column("institution", _("Institution"), Kind.TEXT),
            Column(
                "kind",
                _("Asset kind"),
                Kind.CHOICE,
                choices=("deposit", "wealth_product", "securities", "insurance_cash_value", "payment_balance"),
            ),
            Column("as_of", _("Balance on"), Kind.DATE),
            Column("balance", _("Balance (yuan)"), Kind.FEN),
            key=("id_number", "institution", "kind"),
            date="as_of",
            amount="balance",
        ),
        # The signals of proactive discovery (DOMAIN §4's table), turned into warnings by minsheng.monitoring.
        _layout(
            "serious_illness",
            Column("diagnosis", _("Diagnosis"), Kind.TEXT),
            Column("diagnosed_on", _("Diagnosed on"), Kind.DATE),
            key=("id_number", "diagnosis"),
            date="diagnosed_on",
        ),
        _layout(
            "disaster",
            Column(
                "event", _("Event"), Kind.CHOICE, choices=("fire", "flood", "storm", "earthquake", "accident", "other")
            ),
            Column("occurred_on", _("Occurred on"), Kind.DATE),
            Column("loss", _("Estimated loss (yuan)"), Kind.FEN, required=False),
            key=("id_number", "event", "occurred_on"),
            date="occurred_on",
            amount="loss",
        ),
        _layout(
            "utility_arrears",
            Column("utility", _("Utility"), Kind.CHOICE, choices=("water", "electricity", "gas")),
            Column("as_of", _("Owed on"), Kind.DATE),
            Column("owed", _("Amount owed (yuan)"), Kind.FEN),
            Column("cut_off", _("Supply cut off"), Kind.CHOICE, choices=("yes", "no")),
            key=("id_number", "utility", "as_of"),
            date="as_of",
            amount="owed",
        ),
        _layout(
            "hotline_12345",
            Column("ticket", _("Ticket number"), Kind.TEXT),
            Column("called_on", _("Called on"), Kind.DATE),
            Column("summary", _("What the caller asked"), Kind.TEXT),
            key=("id_number", "ticket"),
            date="called_on",
        ),
        _layout(
            "school_dropout",
            Column("school", _("School"), Kind.TEXT),
            Column("left_on", _("Left school on"), Kind.DATE),
            key=("id_number", "left_on"),
            date="left_on",
        ),
        _layout(
            "anti_poverty",
            Column(
                "category",
                _("Monitoring category"),
                Kind.CHOICE,
                choices=("unstable", "edge", "sudden_hardship"),
            ),
            Column("identified_on", _("Identified on"), Kind.DATE),
            key=("id_number", "category"),
            date="identified_on",
        ),
        _layout(
            "union_hardship",
            Column("level", _("Hardship level"), Kind.CHOICE, choices=("deep", "relative")),
            Column("registered_on", _("Registered on"), Kind.DATE),
            date="registered_on",
        ),
    )
}


def layout_for(source: str, version: int) -> Layout | None:
    return LAYOUTS.get((source, version))
