"""Names with rare characters (生僻字): every CJK ideograph, 〇 and the middle dot are accepted, through the form
and the import, and found again by name; everything else is still refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.core.crypto import blind_index
from minsheng.people import services
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.people.imports import COLUMNS, import_run
from minsheng.people.models import Person
from minsheng.people.names import is_valid_name, name_pinyin
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

RARE = "王𪚥"  # 𪚥 U+2A6A5 (zhé), CJK Extension B: outside the Basic Multilingual Plane
LING = "李〇"  # 〇 U+3007 (líng)


def _id(sequence: int) -> str:
    return synthesize_id_number(address_code="321302", birth_date=dt.date(1980, 5, 1), sequence=sequence)


def _found(client: Client, query: str) -> list[str]:
    response = client.get(reverse("people:search"), {"name": query})
    assert response.status_code == 200
    return [p.name for p in response.context["results"]]


@pytest.mark.parametrize(
    "name",
    [
        RARE,
        LING,
        "〇",
        "阿依古丽·买买提",  # the ID card's middle dot
        "阿依古丽•买买提",
        "阿依古丽・买买提",
        "张\U00020002",  # Extension B, unknown to pypinyin
        "赵\U0002b740",  # Extension D
        "钱\U00031350",  # Extension H
        "孙\U0002f800",  # CJK Compatibility Ideographs Supplement
        "周\uf900",  # CJK Compatibility Ideographs
        "吴\u4dbf",  # the last of Extension A
        "Mary O'Neil",
    ],
)
def test_every_ideograph_block_the_middle_dot_and_latin_names_are_accepted(name: str) -> None:
    assert is_valid_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "王⼀",  # a Kangxi radical (U+2F00) that looks like 一
        "王⺠",  # a CJK radical supplement form
        "王😀",
        "王1",
        "王<b>",
        "ㄅㄆ",  # bopomofo
        "〇" * 51,
        "··",
        "王\u3000芳",  # the ideographic space
        "",
    ],
)
def test_anything_else_is_still_refused(name: str) -> None:
    assert not is_valid_name(name)


def test_pinyin_of_rare_characters_and_a_fallback_for_unknown_ones() -> None:
    assert name_pinyin(RARE) == ("wangzhe", "wz")
    assert name_pinyin(LING) == ("liling", "ll")
    assert name_pinyin("阿依古丽·买买提") == ("ayigulimaimaiti", "ayglmmt")  # the dot is no syllable
    assert name_pinyin("张\U00020002") == ("zhang", "z")  # no reading known: the character gives no syllable
    assert name_pinyin("\U00020002") == ("", "")


def test_rare_names_are_registered_through_the_form_and_found_by_name(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    for sequence, name in ((41, RARE), (42, LING), (43, "张\U00020002")):
        response = client.post(
            reverse("people:person_create"),
            {"name": name, "id_number": _id(sequence), "hukou_area": personas.village.code, "labour_capacity": "full"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert Person.objects.unscoped().get(id_index=blind_index(_id(sequence))).name == name
    assert _found(client, RARE) == [RARE]
    assert _found(client, "王") == [RARE]
    assert _found(client, "wangzhe") == [RARE]
    assert _found(client, LING) == [LING]
    assert _found(client, "liling") == [LING]
    assert _found(client, "ll") == [LING]
    assert _found(client, "张\U00020002") == ["张\U00020002"]
    page = client.get(reverse("people:person_detail", args=[Person.objects.unscoped().get(name=RARE).pk]))
    assert RARE in page.content.decode()


def test_rare_names_are_registered_through_the_import_and_found_by_name(personas: Personas) -> None:
    v = personas.village.code

    def row(household: str, relation: str, name: str, number: str) -> str:
        values = {c.key: "" for c in COLUMNS}
        values.update(household=household, relation=relation, name=name, id_number=number, hukou_code=v)
        return ",".join(values[c.key] for c in COLUMNS)

    content = "\n".join(
        [",".join(c.header for c in COLUMNS), row("R1", "户主", RARE, _id(51)), row("R1", "配偶", LING, _id(52))]
    )
    for encoding, suffix in (("utf-8", ""), ("gb18030", "-gb")):  # GB 18030 encodes 𪚥 in four bytes
        Person.objects.unscoped().filter(name__in=[RARE, LING]).update(name="x")
        job = services.import_start(
            actor=personas[Role.COUNTY_APPROVER],
            uploaded=SimpleUploadedFile(f"rare{suffix}.csv", content.encode(encoding)),
        )
        job = import_run(job.pk)
        assert (job.status, job.error_rows, job.progress_done) == ("done", 0, 2), job.error
        names = dict(
            Person.objects.unscoped()
            .filter(id_index__in=[blind_index(_id(51)), blind_index(_id(52))])
            .values_list("name", "name_pinyin")
        )
        assert names == {RARE: "wangzhe", LING: "liling"}
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    assert _found(client, RARE) == [RARE]
    assert _found(client, LING) == [LING]
