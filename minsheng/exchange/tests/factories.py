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
