"""Demo step of the volunteers (DOMAIN §6.6): the published figures of Suqian at scale 1.0 — 7,212 volunteer teams
and 1.54 million registered volunteers — generated set-based in SQL from the demo city's residents, never row by row.

- **Volunteers**: adults (18 to 70 on the demo's day) of the registry, chosen by a fixed scramble of their id until
  the target is reached; each row copies the resident's name, pinyin, ID token, blind index and masked copy, gender,
  birth date and phone token (the same keys encrypt both tables, so nothing is decrypted). Area: the village where
  they live. Cumulative hours before this system (a stock, 0 to 2,500 h, most under 100 h) and the star level they
  give (``services.stars_refresh``, set-based per county).
- **Teams**: the target spread over the villages (so many per village, the remainder to the first ones), named by
  village and number; every volunteer joins one team of their village.
- **The last twelve months**: one activity per team and month; ``ACTIVE_SHARE`` of the volunteers serve in their
  team's activity each month (a sample: tens of millions of hour records are not needed), 1 to 8 hours, and the
  monthly totals per village (``MonthlyHours``) are summed from those records.
- **Needs**: every referred warning visit and temporary-assistance referral outward already in the demo becomes a
  task; four in five are taken by a team of their village and done a few days later, crediting one volunteer.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from minsheng.volunteers.models import Team, Volunteer
from minsheng.volunteers.services import stars_refresh

VOLUNTEERS_AT_SCALE_1 = 1_540_000
TEAMS_AT_SCALE_1 = 7_212
ACTIVE_SHARE_PERMILLE = 50  # of the volunteers, those who serve each month (the sampled records)
SCRAMBLE = 7919  # a prime: id * SCRAMBLE mod 10007 spreads the choice over every village


@dataclass
class Done:
    volunteers: int = 0
    teams: int = 0
    activities: int = 0
    records: int = 0
    tasks: int = 0
    seconds: float = 0.0


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _date_plus(base: str, days_sql: str) -> str:
    """SQL for the date ``base`` plus an integer expression of days, on either database."""
    if _pg():
        return f"(DATE '{base}' + ({days_sql})::int)"
    return f"date('{base}', '+' || ({days_sql}) || ' days')"


def _months(today: dt.date) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for back in range(12, 0, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(dt.date(year, month + 1, 1))
    return months


def demo_volunteers(*, scale: float, seed: int, today: dt.date | None = None) -> Done:
    started = time.perf_counter()
    today = today or timezone.localdate()
    done = Done()
    # unscoped: the demo generator checks whether its step already ran
    if Volunteer.objects.unscoped().exists():
        return done
    target = round(VOLUNTEERS_AT_SCALE_1 * scale)
    teams_target = max(1, round(TEAMS_AT_SCALE_1 * scale))
    oldest, youngest = today.replace(year=today.year - 70), today.replace(year=today.year - 18)
    with transaction.atomic(), connection.cursor() as cursor:
        # Volunteers: one INSERT … SELECT from the registry.
        hours = "CAST(25000.0 * (u.x*u.x*u.x*u.x*u.x*u.x) AS integer)"
        cursor.execute(
            f"""
            INSERT INTO volunteers_volunteer (area_code, name, name_pinyin, id_number, id_index, id_masked, gender,
                birth_date, phone, phone_masked, guardian_name, guardian_phone, guardian_consent_on, hours_tenths, star,
                registered_on, registered_by_id)
            SELECT u.area, u.name, u.name_pinyin, u.id_number, u.id_index, u.id_masked, u.gender, u.birth_date,
                u.phone, u.phone_masked, '', '', NULL, {hours}, 0, {_date_plus("2018-01-01", "u.id %% 2800")}, NULL
            FROM (
                SELECT p.id, p.residence_area_id AS area, p.name, p.name_pinyin, p.id_number, p.id_index, p.id_masked,
                    p.gender, p.birth_date, p.phone, p.phone_masked, ((p.id * %s + %s) %% 1000) / 1000.0 AS x
                FROM people_person p
                WHERE p.status = 'living' AND p.merged_into_id IS NULL AND p.birth_date > %s AND p.birth_date <= %s
                ORDER BY (p.id * %s + %s) %% 10007, p.id
                LIMIT %s
            ) u
            """,
            [SCRAMBLE, seed, oldest, youngest, SCRAMBLE, seed, target],
        )
        done.volunteers = cursor.rowcount
        # Teams: so many per village (of the villages with volunteers), the remainder to the first ones.
        cursor.execute("SELECT DISTINCT area_code FROM volunteers_volunteer ORDER BY area_code")
        villages = [row[0] for row in cursor.fetchall()]
        if not villages:
            return done
        per, extra = divmod(teams_target, len(villages))
        cursor.execute(
            "SELECT code, name FROM areas_division WHERE code IN (SELECT DISTINCT area_code FROM volunteers_volunteer)"
        )
        names = dict(cursor.fetchall())
        teams = []
        for n, village in enumerate(villages):
            count = per + (1 if n < extra else 0)
            teams += [
                Team(
                    area_code=village,
                    name=f"{names.get(village, village)}志愿服务队{k + 1}",
                    founded_on=dt.date(2018, 3, 5),
                )
                for k in range(count)
            ]
        Team.objects.bulk_create(teams, batch_size=5000)
        done.teams = len(teams)
        # Every volunteer joins the team of their village numbered (their id mod the village's teams).
        cursor.execute("DROP TABLE IF EXISTS demo_team_slot")
        cursor.execute(
            "CREATE TEMP TABLE demo_team_slot (team_id bigint, area_code varchar(12), slot int, slots int, g int)"
        )
        cursor.execute(
            """
            INSERT INTO demo_team_slot
            SELECT t.id, t.area_code,
                (SELECT COUNT(*) FROM volunteers_team o WHERE o.area_code = t.area_code AND o.id < t.id),
                (SELECT COUNT(*) FROM volunteers_team o WHERE o.area_code = t.area_code),
                (SELECT COUNT(*) FROM volunteers_team o WHERE o.id < t.id)
            FROM volunteers_team t
            """
        )
        cursor.execute("CREATE INDEX demo_team_slot_area ON demo_team_slot (area_code, slot)")
        cursor.execute(
            """
            INSERT INTO volunteers_membership (team_id, volunteer_id, joined_on)
            SELECT s.team_id, v.id, v.registered_on
            FROM volunteers_volunteer v
            JOIN demo_team_slot s ON s.area_code = v.area_code AND s.slot = v.id % s.slots
            """
        )
        # A small city has fewer teams than villages: the volunteers of a village without one join any team.
        cursor.execute(
            """
            INSERT INTO volunteers_membership (team_id, volunteer_id, joined_on)
            SELECT s.team_id, v.id, v.registered_on
            FROM volunteers_volunteer v JOIN demo_team_slot s ON s.g = v.id %% %s
            WHERE NOT EXISTS (SELECT 1 FROM demo_team_slot o WHERE o.area_code = v.area_code)
            """,
            [len(teams)],
        )
        # The last twelve months: an activity per team and month, records for the active share.
        months = _months(today)
        values = ", ".join(["(%s)"] * len(months))
        cursor.execute("DROP TABLE IF EXISTS demo_month")
        cursor.execute("CREATE TEMP TABLE demo_month (month date)")
        cursor.execute(f"INSERT INTO demo_month (month) VALUES {values}", months)
        day = "(m.month + (t.id %% 27)::int)" if _pg() else "date(m.month, '+' || (t.id %% 27) || ' days')"
        cursor.execute(
            f"""
            INSERT INTO volunteers_activity (team_id, area_code, title, held_on, place, hours_tenths, created_at)
            SELECT t.id, t.area_code, '社区志愿服务', {day}, '村（社区）党群服务中心', 30, %s
            FROM volunteers_team t CROSS JOIN demo_month m
            """,
            [timezone.now()],
        )
        done.activities = cursor.rowcount
        served = "1 + (v.id + a.id) %% 8"
        cursor.execute(
            f"""
            INSERT INTO volunteers_servicerecord (volunteer_id, activity_id, task_id, area_code, served_on,
                hours_tenths, content, evaluation, recorded_by_id, recorded_at)
            SELECT v.id, a.id, NULL, v.area_code, a.held_on, 10 * ({served}), '参加社区志愿服务', 'good', NULL, %s
            FROM volunteers_volunteer v
            JOIN volunteers_membership ms ON ms.volunteer_id = v.id
            JOIN volunteers_activity a ON a.team_id = ms.team_id
            WHERE (v.id * %s + a.id) %% 1000 < %s
            """,
            [timezone.now(), SCRAMBLE, ACTIVE_SHARE_PERMILLE],
        )
        done.records = cursor.rowcount
        month_of = "CAST(date_trunc('month', r.served_on) AS date)" if _pg() else "date(r.served_on, 'start of month')"
        cursor.execute(
            f"""
            INSERT INTO volunteers_monthlyhours (area_code, month, hours_tenths, records)
            SELECT r.area_code, {month_of}, SUM(r.hours_tenths), COUNT(*)
            FROM volunteers_servicerecord r GROUP BY r.area_code, {month_of}
            """
        )
        # The year's hours add to the stock of hours before it.
        cursor.execute(
            """
            UPDATE volunteers_volunteer SET hours_tenths = hours_tenths + s.total
            FROM (SELECT volunteer_id, SUM(hours_tenths) AS total FROM volunteers_servicerecord GROUP BY volunteer_id) s
            WHERE s.volunteer_id = volunteers_volunteer.id
            """
        )
        done.tasks = _demo_tasks(cursor, today)
        cursor.execute("DROP TABLE IF EXISTS demo_team_slot")
        cursor.execute("DROP TABLE IF EXISTS demo_month")
    stars_refresh(on=today)
    done.seconds = time.perf_counter() - started
    return done


def _demo_tasks(cursor: object, today: dt.date) -> int:
    """Tasks from the demo's referred warnings and temporary-assistance referrals outward; four in five taken by the
    first team of the village (by id) and done within a few days. The tasks elderly care and children raised by their
    events (earlier steps) stay open: done here in SQL, their cases would not hear of it."""
    from django.db.backends.utils import CursorWrapper

    assert isinstance(cursor, CursorWrapper)
    now = timezone.now()
    cursor.execute(
        """
        INSERT INTO volunteers_task (area_code, source_app, source_kind, source_id, title, detail, status, raised_at,
            team_id, organisation_id, taken_at, taken_by_id, done_at, outcome, hours_tenths)
        SELECT al.area_code, 'monitoring', 'alert', CAST(al.id AS varchar(40)), '走访转介：' || al.referred_to,
            al.reason, 'open', %s, NULL, NULL, NULL, NULL, NULL, '', 0
        FROM monitoring_alert al WHERE al.outcome = 'referred'
        """,
        [now],
    )
    cursor.execute(
        """
        INSERT INTO volunteers_task (area_code, source_app, source_kind, source_id, title, detail, status, raised_at,
            team_id, organisation_id, taken_at, taken_by_id, done_at, outcome, hours_tenths)
        SELECT ta.area_code, 'assistance', 'referral', CAST(r.id AS varchar(40)), '临时救助转介：' || r.organisation,
            r.note, 'open', r.referred_at, NULL, NULL, NULL, NULL, NULL, '', 0
        FROM assistance_referral r JOIN assistance_temporaryaid ta ON ta.id = r.temporary_aid_id
        WHERE r.kind <> 'department'
        """
    )
    if _pg():
        taken, finished = "raised_at + interval '1 day'", "raised_at + (2 + id %% 9) * interval '1 day'"
    else:
        taken, finished = "datetime(raised_at, '+1 days')", "datetime(raised_at, '+' || (2 + id %% 9) || ' days')"
    cursor.execute(
        f"""
        UPDATE volunteers_task SET status = 'done', taken_at = {taken}, done_at = {finished},
            outcome = '志愿者已上门服务', team_id = (
                SELECT MIN(t.id) FROM volunteers_team t WHERE t.area_code = volunteers_task.area_code)
        WHERE id %% 5 <> 0 AND EXISTS (SELECT 1 FROM volunteers_team t WHERE t.area_code = volunteers_task.area_code)
            AND source_app IN ('monitoring', 'assistance') AND {finished} <= %s
        """,
        [timezone.make_aware(dt.datetime.combine(today, dt.time()))],
    )
    cursor.execute("SELECT COUNT(*) FROM volunteers_task")
    (tasks,) = cursor.fetchone()
    return int(tasks)


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    done = demo_volunteers(scale=scale, seed=seed)
    if not done.volunteers:
        return None
    return (
        f"volunteers: {done.volunteers:,} volunteers in {done.teams:,} teams, {done.activities:,} activities and "
        f"{done.records:,} service records over the past year, {done.tasks:,} tasks in {done.seconds:.1f} s"
    )
