"""Accounts and data for the load test (loadtest/locustfile.py): N users per role in the demo county.

Village workers are spread over the villages of 宿城区 that have residents, township windows over its townships;
county approvers, payment officers and education-department handlers sit at the county. Every account signs in with
DEMO_PASSWORD. The file written (``--out``, default ``$MINSHENG_VAR_DIR/loadtest.json``, readable by its owner only)
gives the load test each account's area and a sample of living residents there (name and ID number, as a window
worker reads them off the applicant's card), and the items applied for. Idempotent; refuses production.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count

from minsheng.accounts.roles import Role
from minsheng.accounts.services import account_provision
from minsheng.areas.models import Division
from minsheng.catalog.models import Department, Item
from minsheng.demo.accounts import COUNTY
from minsheng.people.models import Person

ROLES = {
    "village": Role.VILLAGE_WORKER,
    "township": Role.TOWNSHIP_WINDOW,
    "county": Role.COUNTY_APPROVER,
    "payment": Role.COUNTY_PAYMENT_OFFICER,
    "education": Role.DEPARTMENT_HANDLER,
}
# The education department's items (its handler's inbox): they need no household record to be applied for.
ITEM_NUMBERS = (29, 30, 31, 32)
RESIDENTS_PER_USER = 40


class Command(BaseCommand):
    help = "Provision N load-test accounts per role in the demo county and write the load test's data file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--per-role", type=int, default=20, help="accounts per role (default 20)")
        parser.add_argument("--out", type=Path, default=None, help="the data file (default var/loadtest.json)")

    def handle(self, *args: Any, per_role: int, out: Path | None, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("load_test_users refuses to run with MINSHENG_ENV=production")
        password = os.environ.get("DEMO_PASSWORD", "")
        if len(password) < 10:
            raise CommandError("DEMO_PASSWORD is not set (make demo writes it into var/demo.env)")
        if not 1 <= per_role <= 500:
            raise CommandError("--per-role must be from 1 to 500")
        # A system job: the demo's residents are picked from the whole table (divisions are reference data).
        divisions = Division.objects.all()
        county = divisions.get(code=COUNTY)
        townships = list(divisions.filter(parent=county, level="township").order_by("code"))
        villages = list(divisions.filter(code__in=self._most_populous_villages(county.code, per_role)).order_by("code"))
        if not villages:
            raise CommandError("the demo county has no residents: run manage.py demo_city first")
        education = Department.objects.get(code="education")
        items = list(Item.objects.filter(number__in=ITEM_NUMBERS, active=True).order_by("number"))
        users: dict[str, list[dict[str, Any]]] = {}
        for key, role in ROLES.items():
            users[key] = []
            for index in range(per_role):
                area = {"village": villages, "township": townships}.get(key, [county])
                home = area[index % len(area)]
                username = f"load-{key}-{index + 1:03d}"
                account_provision(
                    username=username,
                    display_name=f"压测 {Role(role).label} {index + 1}",
                    password=password,
                    home_area=home,
                    roles=[(role, home, education if role == Role.DEPARTMENT_HANDLER else None)],
                )
                users[key].append({"username": username, "area": home.code, "residents": self._residents(home)})
        data = {"password": password, "items": [item.pk for item in items], "users": users}
        path = out or Path(settings.VAR_DIR) / "loadtest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        self.stdout.write(f"{per_role} accounts for each of {', '.join(ROLES)}; load-test data in {path}")

    @staticmethod
    def _most_populous_villages(county_code: str, count: int) -> list[str]:
        # unscoped: load-test set-up command: the county's most populous villages
        rows = (
            Person.objects.unscoped()
            .filter(hukou_area__code__startswith=county_code[:6])
            .values("hukou_area_id")
            .annotate(n=Count("id"))
            .order_by("-n", "hukou_area_id")[:count]
        )
        return [row["hukou_area_id"] for row in rows]

    @staticmethod
    def _residents(area: Division) -> list[dict[str, str]]:
        """Living residents registered in the area, with the ID number off their card (decrypted here)."""
        prefix = area.code.rstrip("0") if area.level != "village" else area.code
        # unscoped: load-test set-up command: sample residents for the test accounts
        persons = (
            Person.objects.unscoped()
            .filter(hukou_area__code__startswith=prefix, status=Person.Status.LIVING, merged_into__isnull=True)
            .order_by("id")[:RESIDENTS_PER_USER]
        )
        return [{"name": p.name, "id_number": p.id_number} for p in persons]
