"""The load test: staff of the demo county doing their daily work through the pages, as a browser would.

Users by role, weighted like a county's staff (of 50: 20 village workers, 15 township windows, 5 county approvers,
3 payment officers, 7 education-department handlers), each signing in with an account of its own made by
``manage.py load_test_users`` and then clicking through its day with a pause between clicks (``LOAD_WAIT``, seconds,
default ``1,4``: quicker than a person at a window, so the figures are on the safe side):

- village worker: search a resident by name and open their file, record a consultation, submit an application on a
  resident's behalf (帮办代办), glance at the dashboard;
- township window: the same, plus the inbox and the overdue list;
- county approver: the dashboard, the overdue list, the inbox, the payroll list, a search;
- payment officer: the payroll list and a batch, the dashboard, a search;
- department handler: the inbox and the overdue list.

Any answer other than the expected one (a 4xx, a 5xx, a form sent back) counts as a failure. How to run it and the
figures: docs/benchmarks.md ("Load test"); ``make loadtest`` runs it headless.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from locust import HttpUser, TaskSet, between

DATA_FILE = Path(os.environ.get("LOADTEST_DATA", "var/loadtest.json"))
DATA: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
_WAIT = [float(x) for x in os.environ.get("LOAD_WAIT", "1,4").split(",")]
PERSON_LINK = re.compile(r'href="/people/(\d+)/"')
BATCH_LINK = re.compile(r'href="/payments/(\d+)/"')
TOPICS = ("低保申请条件咨询", "临时救助如何申请", "残疾人两项补贴标准", "孩子上学的资助政策", "医疗救助报销比例")


class Staff(HttpUser):
    abstract = True
    wait_time = between(_WAIT[0], _WAIT[-1])
    # LOAD_FIXED_COUNT=1 starts exactly one user of every role whatever the weights (the suite's smoke run).
    fixed_count = int(os.environ.get("LOAD_FIXED_COUNT", "0"))
    role: ClassVar[str] = ""
    _next: ClassVar[itertools.count[int]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._next = itertools.count()

    def on_start(self) -> None:
        accounts = DATA["users"][self.role]
        self.account = accounts[next(self._next) % len(accounts)]
        self.residents: list[dict[str, str]] = self.account["residents"]
        self.person_ids: list[str] = []
        self.client.get("/accounts/login/", name="sign in (page)")
        with self.client.post(
            "/accounts/login/",
            {"username": self.account["username"], "password": DATA["password"], **self._csrf()},
            name="sign in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")

    def _csrf(self) -> dict[str, str]:
        return {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken") or ""}

    def _get(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.error or ''}")
            return response.text or ""

    def _post(self, url: str, data: dict[str, Any], name: str) -> str | None:
        """A form sent: success is the redirect after it (a form sent back is a failure)."""
        with self.client.post(
            url, {**data, **self._csrf()}, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                return None
            return str(response.headers.get("Location", ""))

    # The journeys, shared by the roles that do them. -----------------------------------------------------------

    def search_person(self) -> None:
        resident = random.choice(self.residents)
        page = self._get(f"/people/?name={resident['name'][:2]}", "search a person")
        self.person_ids = PERSON_LINK.findall(page) or self.person_ids

    def open_person(self) -> None:
        if not self.person_ids:
            self.search_person()
        if self.person_ids:
            self._get(f"/people/{random.choice(self.person_ids)}/", "open a person's file")

    def record_consultation(self) -> None:
        self._get("/window/consultations/", "consultations (page)")
        data = {"topic": random.choice(TOPICS), "outcome": "answered", "asker_name": "", "id_number": ""}
        self._post("/window/consultations/", data, "record a consultation")

    def submit_application(self) -> None:
        self._get("/window/applications/new/", "application (form)")
        data = {
            "id_number": random.choice(self.residents)["id_number"],
            "items": [random.choice(DATA["items"])],
            "on_behalf": "on" if self.role == "village" else "",
            "materials_provided": ["申请人身份证", "户口簿"],
        }
        location = self._post("/window/applications/new/", data, "submit an application")
        if location:
            self._get(location, "application (after submitting)")

    def inbox(self) -> None:
        self._get("/window/inbox/", "inbox")

    def overdue(self) -> None:
        self._get("/window/overdue/", "overdue list")

    def dashboard(self) -> None:
        self._get("/statistics/", "dashboard")

    def payroll_list(self) -> None:
        page = self._get("/payments/", "payroll list")
        self.batch_ids = BATCH_LINK.findall(page)

    def payroll_batch(self) -> None:
        if not getattr(self, "batch_ids", None):
            self.payroll_list()
        if self.batch_ids:
            self._get(f"/payments/{random.choice(self.batch_ids)}/", "payroll batch")


def weighted(journeys: dict[Callable[[Staff], None], int]) -> list[TaskSet | Callable[..., Any]]:
    """A user class's tasks, each as often as its weight (locust picks one at random after each pause)."""
    return [journey for journey, weight in journeys.items() for _ in range(weight)]


class VillageWorker(Staff):
    role = "village"
    weight = 20
    tasks = weighted(
        {
            Staff.search_person: 6,
            Staff.open_person: 5,
            Staff.record_consultation: 3,
            Staff.submit_application: 1,
            Staff.dashboard: 1,
        }
    )


class TownshipWindow(Staff):
    role = "township"
    weight = 15
    tasks = weighted(
        {
            Staff.search_person: 5,
            Staff.open_person: 4,
            Staff.inbox: 3,
            Staff.record_consultation: 2,
            Staff.submit_application: 1,
            Staff.overdue: 1,
            Staff.dashboard: 1,
        }
    )


class CountyApprover(Staff):
    role = "county"
    weight = 5
    tasks = weighted(
        {
            Staff.dashboard: 4,
            Staff.overdue: 3,
            Staff.inbox: 2,
            Staff.search_person: 2,
            Staff.open_person: 2,
            Staff.payroll_list: 1,
        }
    )


class PaymentOfficer(Staff):
    role = "payment"
    weight = 3
    tasks = weighted(
        {
            Staff.payroll_list: 4,
            Staff.payroll_batch: 3,
            Staff.dashboard: 2,
            Staff.search_person: 1,
        }
    )


class DepartmentHandler(Staff):
    role = "education"
    weight = 7
    tasks = weighted({Staff.inbox: 6, Staff.overdue: 2})
