"""The monthly bulk verification (月度核对), set-based.

One ``INSERT … SELECT`` turns the matched records of the feeds received since the last check into findings on the
households their persons belong to now (income, financial assets, vehicles, property, company roles, pay from public
funds, large medical bills). The findings are then published as ``FINDINGS`` to the modules that subscribe: the
programmes decide, with their own thresholds (rules, dated and area-scoped), which findings bring a running benefit's
review forward, and say so in the payload. What no module took up is marked as concerning no running benefit. Nothing
is changed silently: every finding is kept with its outcome. Deaths and moves away are not findings: the feed already
filed them with the registry, whose confirmation stops the benefits (``services.STATUS_REPORTS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.modules import enrolled_households_sql, publish
from minsheng.exchange.models import DataSource, Feed, FeedRecord, Finding, MonthlyCheck
from minsheng.people.models import Household, Membership

# The event published with the month's findings; the payload is a ``MonthlyFindings``. A subscriber sets
# ``outcomes[finding id]`` to ``Finding.Outcome.REVIEW`` or ``BELOW`` for the findings on households it pays, and adds
# to ``reviews`` the benefits whose review it brought forward.
FINDINGS = "exchange.findings"

KIND_OF_SOURCE = {
    "hrss_contribution": Finding.Kind.INCOME,
    "hrss_pension": Finding.Kind.INCOME,
    "hrss_unemployment": Finding.Kind.INCOME,
    "tax_income": Finding.Kind.INCOME,
    "housing_fund": Finding.Kind.INCOME,
    "financial_asset": Finding.Kind.ASSET,
    "vehicle": Finding.Kind.VEHICLE,
    "property": Finding.Kind.PROPERTY,
    "market_role": Finding.Kind.COMPANY,
    "public_payroll": Finding.Kind.PUBLIC_PAY,
    "medical_bill": Finding.Kind.MEDICAL,
}
CHUNK = 5000


@dataclass(frozen=True)
class FindingFact:
    id: int
    household_id: int
    person_id: int
    kind: str
    amount_fen: int | None
    area_code: str


@dataclass
class MonthlyFindings:
    month: dt.date
    on: dt.date
    actor: Any
    findings: list[FindingFact]
    outcomes: dict[int, str] = field(default_factory=dict)
    reviews: int = 0


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _insert_findings(check: MonthlyCheck, since: dt.datetime, cutoff: dt.datetime) -> None:
    """The matched records of the window, as findings on the households a module pays now (the modules'
    ``enrolled_households``): a million records of a working-age feed concern some 150,000 enrolled households."""
    enrolled = enrolled_households_sql()
    if enrolled is None:
        return
    enrolled_sql, enrolled_params = enrolled
    kinds = " ".join(f"WHEN '{code}' THEN '{kind}'" for code, kind in KIND_OF_SOURCE.items())
    codes = ", ".join(f"'{code}'" for code in KIND_OF_SOURCE)
    t = {
        "finding": Finding._meta.db_table,
        "record": FeedRecord._meta.db_table,
        "feed": Feed._meta.db_table,
        "source": DataSource._meta.db_table,
        "membership": Membership._meta.db_table,
        "household": Household._meta.db_table,
    }
    sql = f"""
        INSERT INTO {t["finding"]} (check_run_id, record_id, household_id, person_id, kind, source, amount_fen,
                                    "on", area_code, outcome, note)
        SELECT %s, r.id, m.household_id, r.person_id, CASE s.code {kinds} END, s.code, r.amount_fen, r."on",
               h.area_id, %s, ''
        FROM {t["record"]} r
        JOIN {t["feed"]} f ON f.id = r.feed_id
        JOIN {t["source"]} s ON s.id = f.source_id
        JOIN {t["membership"]} m ON m.person_id = r.person_id AND m.left_on IS NULL
        JOIN {t["household"]} h ON h.id = m.household_id
        WHERE r.match = %s AND f.received_at >= %s AND f.received_at < %s AND s.code IN ({codes})
          AND m.household_id IN ({enrolled_sql})
        ON CONFLICT (check_run_id, record_id) DO NOTHING
    """  # table names and codes come from the code; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql, [check.pk, Finding.Outcome.PENDING, FeedRecord.Match.MATCHED, since, cutoff, *enrolled_params]
        )


def check_run(check: MonthlyCheck) -> MonthlyCheck:
    """Run (or finish) the month's check. Idempotent: a done check is left alone; a check run again adds no finding
    twice and decides only the findings still pending."""
    if check.status == MonthlyCheck.Status.DONE:
        return check
    MonthlyCheck.objects.filter(pk=check.pk).update(status=MonthlyCheck.Status.RUNNING, started_at=timezone.now())
    try:
        with transaction.atomic():
            row = MonthlyCheck.objects.select_for_update().get(pk=check.pk)
            previous = (
                MonthlyCheck.objects.filter(status=MonthlyCheck.Status.DONE, month__lt=row.month)
                .order_by("-month")
                .first()
            )
            since = previous.cutoff if previous and previous.cutoff else dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
            row.cutoff = row.cutoff or timezone.now()
            _insert_findings(row, since, row.cutoff)
            # unscoped: the system check reads the findings of the whole city
            findings = Finding.objects.unscoped().filter(check_run=row)
            pending = [
                FindingFact(*values)
                for values in findings.filter(outcome=Finding.Outcome.PENDING).values_list(
                    "id", "household_id", "person_id", "kind", "amount_fen", "area_code"
                )
            ]
            payload = MonthlyFindings(month=row.month, on=timezone.localdate(), actor=row.started_by, findings=pending)
            publish(FINDINGS, payload)
            by_outcome: dict[str, list[int]] = {}
            for fact in pending:
                if fact.id in payload.outcomes:
                    by_outcome.setdefault(payload.outcomes[fact.id], []).append(fact.id)
            for outcome, ids in by_outcome.items():
                for chunk in _chunks(ids):
                    findings.filter(pk__in=chunk).update(outcome=outcome)
            # What no module took up, in one statement (most of a month's findings: the feeds cover everyone).
            findings.filter(outcome=Finding.Outcome.PENDING).update(outcome=Finding.Outcome.NOT_ENROLLED)
            row.findings = findings.count()
            row.households = findings.values("household_id").distinct().count()
            row.reviews += payload.reviews
            row.status = MonthlyCheck.Status.DONE
            row.finished_at = timezone.now()
            row.save()
            audit_record(
                actor=row.started_by,
                action="exchange.monthly_check_done",
                kind=AuditEvent.Kind.SYSTEM,
                obj=row,
                after={"findings": row.findings, "households": row.households, "reviews": row.reviews},
            )
            return row
    except Exception as exc:
        MonthlyCheck.objects.filter(pk=check.pk).update(status=MonthlyCheck.Status.FAILED, error=str(exc)[:500])
        raise
