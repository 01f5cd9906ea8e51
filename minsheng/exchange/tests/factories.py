"""Test data of the data exchange: persons with synthetic IDs, feeds as CSV, a department client."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minsheng.exchange.models import DataSource, DepartmentClient, Feed
from minsheng.exchange.services import client_create, feed_upload
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.testing import Personas

OFFICER = "verification_officer"


def id_number(sequence: int, birth: dt.date = dt.date(1950, 3, 4)) -> str:
    return synthesize_id_number(address_code="321302", birth_date=birth, sequence=sequence)


def csv_of(header: list[str], *rows: list[str]) -> bytes:
    return "\n".join(",".join(r) for r in [header, *rows]).encode("utf-8")


def source(code: str) -> DataSource:
    return DataSource.objects.get(code=code)


def death_feed(p: Personas, batch: str = "GA-2026-11", rows: tuple[tuple[str, str, str], ...] = ()) -> Feed:
    rows = rows or ((id_number(11), "王五", "2026-11-02"),)
    feed, _ = feed_upload(
        actor=p[OFFICER],
        source=source("police_death"),
        batch=batch,
        content=csv_of(["id_number", "name", "died_on"], *[list(r) for r in rows]),
        filename="deaths.csv",
    )
    return feed


def client(p: Personas, name: str = "公安局人口信息系统", sources: tuple[str, ...] = ("police_death",)) -> Any:
    """(client, key) of the reference city."""
    made: tuple[DepartmentClient, str] = client_create(
        actor=p["city_admin"], name=name, area_code=p.city.code, sources=[source(c) for c in sources]
    )
    return made


def family(p: Personas) -> Any:
    """A household of the reference village: two adults and a child; (household, head, spouse, child)."""
    from minsheng.testing import make_household, make_person

    head = make_person(p.village, "陈一", birth="1970-01-01")
    spouse = make_person(p.village, "林二", birth="1972-02-02")
    child = make_person(p.village, "陈三", birth="2015-06-01")
    return make_household(p.village, head, (spouse, "spouse"), (child, "child")), head, spouse, child


def authorise(p: Personas, household: Any, signers: list[Any], serial: str = "SQ2026-0001", **fields: Any) -> Any:
    from minsheng.exchange.authorisations import Signer, authorisation_record
    from minsheng.exchange.models import Authorisation

    values: dict[str, Any] = {
        "channel": Authorisation.Channel.ELECTRONIC,
        "signed_on": dt.date(2026, 1, 5),
        "sources": DataSource.objects.all(),
    }
    values.update(fields)
    return authorisation_record(
        actor=p["township_window"],
        household=household,
        serial=serial,
        signers=[s if isinstance(s, Signer) else Signer(s) for s in signers],
        **values,
    )


def upload_contributions(p: Personas, rows: list[tuple[Any, str]], batch: str = "RS-1") -> Feed:
    """A 人社 contribution-base feed for October 2026 of these (person, yuan)."""
    content = csv_of(
        ["id_number", "name", "month", "base"],
        *[[person.id_number, person.name, "2026-10", yuan] for person, yuan in rows],
    )
    feed, _ = feed_upload(
        actor=p[OFFICER], source=source("hrss_contribution"), batch=batch, content=content, filename="rs.csv"
    )
    return feed
