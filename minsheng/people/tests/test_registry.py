from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.core.crypto import blind_index, is_token
from minsheng.people import selectors, services
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.people.models import ChangeRequest, Household, IllnessType, Membership, Person
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db

ID_18 = "11010519491231002X"  # the GB 11643 example: 110105 · 1949-12-31 · 002 (female) · X


def _data(p: Personas, **overrides: object) -> services.PersonData:
    values: dict[str, object] = {"name": "张三", "id_number": ID_18, "hukou_area": p.village, "phone": "13812345678"}
    values.update(overrides)
    return services.PersonData(**values)  # type: ignore[arg-type]


def _raw(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM people_person WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_registering_derives_gender_and_birth_date_and_encrypts_numbers(personas: Personas) -> None:
    person = services.person_register(
        actor=personas[Role.TOWNSHIP_WINDOW], data=_data(personas, bank_account="6222020200112233445")
    )
    person = Person.objects.unscoped().get(pk=person.pk)
    assert (person.name, person.gender, person.birth_date, person.id_kind) == (
        "张三",
        "F",
        dt.date(1949, 12, 31),
        "resident",
    )
    assert (person.id_number, person.phone, person.bank_account) == (ID_18, "13812345678", "6222020200112233445")
    assert (person.id_masked, person.phone_masked) == ("110105********002X", "138****5678")
    assert person.bank_account_masked.endswith("3445") and "6222020200" not in person.bank_account_masked
    assert (person.name_pinyin, person.name_initials) == ("zhangsan", "zs")
    assert person.residence_area_id == personas.village.code  # defaults to the household registration
    # At rest: tokens, not the numbers.
    for column, plain in (("id_number", ID_18), ("phone", "13812345678"), ("bank_account", "6222020200112233445")):
        stored = _raw(column, person.pk)
        assert is_token(stored) and plain not in stored
    event = AuditEvent.objects.unscoped().get(action="people.person_registered")
    assert event.after is not None
    assert (event.after["id"], event.after["phone"]) == ("110105********002X", "138****5678")
    assert ID_18 not in str(event.after) and "13812345678" not in str(event.after)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "110105194912310021"}, "id_number"),  # wrong check character
        ({"id_number": "11010519491331002X"}, "id_number"),  # month 13
        ({"name": "张3"}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"bank_account": "62-22"}, "bank_account"),
    ],
)
def test_bad_input_names_the_field(personas: Personas, overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        services.person_register(actor=personas[Role.TOWNSHIP_WINDOW], data=_data(personas, **overrides))
    assert list(raised.value.message_dict) == [field]
    assert not Person.objects.unscoped().exists()


def test_the_check_character_message_is_chinese(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        services.person_register(
            actor=personas[Role.TOWNSHIP_WINDOW], data=_data(personas, id_number="110105194912310021")
        )
    message = raised.value.message_dict["id_number"][0]
    assert "校验" in message and "X" in message


def test_a_township_is_no_place_of_registration(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        services.person_register(
            actor=personas[Role.TOWNSHIP_WINDOW], data=_data(personas, hukou_area=personas.township)
        )
    assert list(raised.value.message_dict) == ["hukou_area"]


def test_the_same_id_cannot_be_registered_twice_in_any_form(personas: Personas) -> None:
    fifteen = "110105491231002"  # the same person's legacy 15-digit number
    services.person_register(actor=personas[Role.TOWNSHIP_WINDOW], data=_data(personas))
    with pytest.raises(ValidationError) as raised:
        services.person_register(actor=personas[Role.COUNTY_APPROVER], data=_data(personas, id_number=fifteen))
    assert list(raised.value.message_dict) == ["id_number"]
    with pytest.raises(IntegrityError), transaction.atomic():
        make_person(personas.village, "李四", id_index=blind_index(ID_18))  # the constraint, below the service


def test_registering_outside_ones_area_is_refused(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.person_register(actor=personas.outsider(Role.TOWNSHIP_WINDOW), data=_data(personas))
    with pytest.raises(PermissionDenied):
        services.person_register(actor=personas[Role.COUNTY_PAYMENT_OFFICER], data=_data(personas))  # no such right


def test_name_changes_at_once_benefit_changes_wait_for_a_second_user(personas: Personas) -> None:
    person = make_person(personas.village, "王芳")
    maker, checker = personas[Role.VILLAGE_WORKER], personas[Role.TOWNSHIP_REVIEWER]
    request = services.person_change(
        actor=maker,
        person=person,
        changes={"name": "王芬", "labour_capacity": "none", "bank_account": "6222000011112222"},
        reason="入户核实",
    )
    person.refresh_from_db()
    assert (person.name, person.labour_capacity, person.bank_account) == ("王芬", "full", "")
    assert request is not None and request.status == "pending"
    assert is_token(request.changes["bank_account"])  # the new account is not stored in clear in the request
    with pytest.raises(PermissionDenied):
        services.change_request_confirm(actor=maker, request=request)
    services.change_request_confirm(actor=checker, request=request, note="核实无误")
    person.refresh_from_db()
    assert (person.labour_capacity, person.bank_account, person.bank_account_masked[-4:]) == (
        "none",
        "6222000011112222",
        "2222",
    )
    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("confirmed", checker)
    confirmed = AuditEvent.objects.unscoped().get(action="people.change_confirmed")
    assert confirmed.before is not None and confirmed.after is not None
    assert (confirmed.before["labour_capacity"], confirmed.after["labour_capacity"]) == ("full", "none")
    assert "6222000011112222" not in str(confirmed.after)
    with pytest.raises(ValidationError):
        services.change_request_confirm(actor=personas[Role.COUNTY_APPROVER], request=request)  # decided already


def test_a_death_needs_its_date_and_a_rejection_its_reason(personas: Personas) -> None:
    person = make_person(personas.village)
    with pytest.raises(ValidationError) as raised:
        services.person_change(
            actor=personas[Role.VILLAGE_WORKER], person=person, changes={"status": "deceased"}, reason="x"
        )
    assert list(raised.value.message_dict) == ["status_date"]
    request = services.person_change(
        actor=personas[Role.VILLAGE_WORKER],
        person=person,
        changes={"status": "deceased", "status_date": dt.date(2026, 10, 2)},
        reason="村委会报告",
    )
    assert request is not None
    with pytest.raises(ValidationError):
        services.change_request_reject(actor=personas[Role.TOWNSHIP_REVIEWER], request=request, note="")
    services.change_request_reject(actor=personas[Role.TOWNSHIP_REVIEWER], request=request, note="家属称仍在世")
    person.refresh_from_db()
    assert (person.status, ChangeRequest.objects.unscoped().get().status) == ("living", "rejected")


def test_illnesses_come_from_the_configured_list(personas: Personas) -> None:
    person = make_person(personas.village)
    with pytest.raises(ValidationError):
        services.person_change(
            actor=personas[Role.VILLAGE_WORKER], person=person, changes={"illnesses": ["flu"]}, reason="x"
        )
    leukaemia = IllnessType.objects.get(name="白血病")
    request = services.person_change(
        actor=personas[Role.VILLAGE_WORKER], person=person, changes={"illnesses": [leukaemia.code]}, reason="诊断证明"
    )
    assert request is not None
    services.change_request_confirm(actor=personas[Role.TOWNSHIP_REVIEWER], request=request)
    assert list(person.illnesses.values_list("name", flat=True)) == ["白血病"]


def test_a_household_has_exactly_one_current_head(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    head, wife, son = (make_person(personas.village, n) for n in ("王建国", "李秀英", "王小明"))
    household = services.household_create(actor=actor, area=personas.village, head=head, joined_on=dt.date(2020, 1, 1))
    assert household.number == f"{personas.village.code}000001"
    services.household_add_member(
        actor=actor, household=household, person=wife, relation="spouse", joined_on=dt.date(2020, 1, 1)
    )
    with pytest.raises(ValidationError):
        services.household_add_member(
            actor=actor, household=household, person=son, relation="head", joined_on=dt.date(2020, 1, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(household=household, person=son, relation="head", joined_on=dt.date(2021, 1, 1))
    with pytest.raises(ValidationError):  # the head cannot simply leave
        services.household_remove_member(
            actor=actor, membership=household.memberships.get(person=head), left_on=dt.date(2024, 1, 1), reason="x"
        )


def test_members_not_living_together_say_why(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    head, son = make_person(personas.village, "王建国"), make_person(personas.village, "王小明")
    household = services.household_create(actor=actor, area=personas.village, head=head, joined_on=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError) as raised:
        services.household_add_member(
            actor=actor,
            household=household,
            person=son,
            relation="child",
            joined_on=dt.date(2020, 1, 1),
            living_together=False,
        )
    assert list(raised.value.message_dict) == ["exclusion"]
    membership = services.household_add_member(
        actor=actor,
        household=household,
        person=son,
        relation="child",
        joined_on=dt.date(2020, 1, 1),
        living_together=False,
        exclusion="detained",
    )
    assert (membership.living_together, membership.get_exclusion_display()) == (False, "服刑或强制隔离戒毒")


def test_membership_history_is_kept_when_members_leave_and_heads_change(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    father, son, grandson = (make_person(personas.village, n) for n in ("王建国", "王小明", "王乐乐"))
    household = make_household(personas.village, father, (son, "child"), (grandson, "grandchild"))
    services.household_change_head(
        actor=actor,
        household=household,
        new_head=son,
        former_head_relation="parent",
        on=dt.date(2024, 6, 1),
        reason="老人年迈",
    )
    services.household_remove_member(
        actor=actor,
        membership=household.memberships.get(person=grandson, left_on__isnull=True),
        left_on=dt.date(2025, 9, 1),
        reason="外出上学，户口迁出",
    )
    rows = [
        (m.person.name, m.relation, m.joined_on.isoformat(), m.left_on.isoformat() if m.left_on else None)
        for m in household.memberships.select_related("person").order_by("person__name", "joined_on")
    ]
    assert rows == [
        ("王乐乐", "grandchild", "2020-01-01", "2025-09-01"),
        ("王小明", "child", "2020-01-01", "2024-06-01"),
        ("王小明", "head", "2024-06-01", None),
        ("王建国", "head", "2020-01-01", "2024-06-01"),
        ("王建国", "parent", "2024-06-01", None),
    ]
    assert [e.action for e in AuditEvent.objects.unscoped().filter(object_type="people.household").order_by("id")] == [
        "people.head_changed",
        "people.member_removed",
    ]


def test_a_person_is_in_one_household_at_a_time(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    person = make_person(personas.village)
    make_household(personas.village, person)
    with pytest.raises(ValidationError):
        services.household_create(actor=actor, area=personas.village, head=person, joined_on=dt.date(2024, 1, 1))


def test_supporting_relatives_and_disability_certificates(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    mother = make_person(personas.village, "李秀英", birth="1950-01-01")
    household = make_household(personas.village, mother)
    relative = services.supporting_relative_add(
        actor=actor, household=household, supported=mother, name="王大伟", relation="child", monthly_support_fen=30000
    )
    assert (relative.monthly_support_fen, relative.get_relation_display()) == (30000, "子女")
    number = f"{mother.id_number}42"
    certificate = services.disability_certificate_add(
        actor=actor, person=mother, number=number, category=4, grade=2, valid_from=dt.date(2022, 1, 1)
    )
    assert (certificate.category, certificate.grade, certificate.number) == (4, 2, number)
    with pytest.raises(ValidationError) as raised:
        services.disability_certificate_add(
            actor=actor,
            person=mother,
            number=f"{mother.id_number}41",
            category=4,
            grade=2,
            valid_from=dt.date(2022, 1, 1),
        )
    assert list(raised.value.message_dict) == ["number"]
    with pytest.raises(ValidationError):
        services.disability_certificate_add(
            actor=actor,
            person=mother,
            number=f"{mother.id_number}82",
            category=8,
            grade=2,
            valid_from=dt.date(2022, 1, 1),
        )


# Search and pages ------------------------------------------------------------------------------------------


def test_search_by_id_in_either_form_by_name_and_by_sound(personas: Personas) -> None:
    zhang = make_person(personas.village, "张伟", birth="1980-01-01")
    zhang2 = make_person(personas.village, "章伟", birth="1981-01-01")
    make_person(personas.village, "李娜", birth="1982-01-01")
    worker = personas[Role.VILLAGE_WORKER]

    def names(**query: str) -> list[str]:
        return [p.name for p in selectors.person_search(user=worker, query=selectors.PersonQuery(**query))]

    assert names(id_number=zhang.id_number) == ["张伟"]
    legacy = zhang.id_number[:6] + zhang.id_number[8:17]
    assert names(id_number=legacy) == ["张伟"]
    assert names(name="张") == ["张伟", "章伟"]  # 张 and 章 sound alike: both "zhang"
    assert names(name="章伟") == ["张伟", "章伟"]
    assert names(name="zw") == ["张伟", "章伟"]
    assert names(name="li") == ["李娜"]
    assert names(name="张", area=personas.village.code) == ["张伟", "章伟"]
    assert names(name="张", area=personas.other_village.code) == []
    assert (
        selectors.person_search(
            user=personas.outsider(Role.VILLAGE_WORKER), query=selectors.PersonQuery(name="张")
        ).count()
        == 0
    )
    assert zhang2.name == "章伟"


def test_village_and_township_roles_get_no_list_of_everyone(personas: Personas) -> None:
    make_person(personas.village)
    with pytest.raises(selectors.SearchNeedsCriterion):
        selectors.person_search(user=personas[Role.TOWNSHIP_WINDOW], query=selectors.PersonQuery())
    assert selectors.person_search(user=personas[Role.COUNTY_APPROVER], query=selectors.PersonQuery()).count() == 1
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    response = client.get(reverse("people:search"), {"status": "living"})
    assert response.context["needs_criterion"] is True and response.context["results"] is None
    api = client.get(reverse("api:person-list"))
    assert api.status_code == 400


def test_the_person_page_masks_logs_the_view_and_reveals_on_request(personas: Personas) -> None:
    person = make_person(personas.village, phone="13900001111", phone_masked="139****1111")
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    page = client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    assert person.id_masked in page and person.id_number not in page and "13900001111" not in page
    viewed = AuditEvent.objects.unscoped().get(action="people.person_viewed")
    assert (viewed.kind, viewed.object_id, viewed.actor_username) == ("view", str(person.pk), Role.TOWNSHIP_WINDOW)
    revealed = client.post(
        reverse("people:person_reveal", args=[person.pk]), {"reason": "受理核对"}, HTTP_HX_REQUEST="true"
    )
    assert person.id_number in revealed.content.decode() and "13900001111" in revealed.content.decode()
    event = AuditEvent.objects.unscoped().get(action="personal_data.viewed")
    assert (event.kind, event.reason, event.after) == ("view", "受理核对", {"fields": ["id_number", "phone"]})


def test_the_api_masks_unless_revealed(personas: Personas) -> None:
    person = make_person(personas.village)
    client = Client()
    client.force_login(personas[Role.COUNTY_PAYMENT_OFFICER])
    data = client.get(reverse("api:person-detail", args=[person.pk])).json()
    assert data["id_masked"] == person.id_masked and "id_number" not in data
    assert person.id_number not in str(data)
    revealed = client.post(reverse("api:person-reveal", args=[person.pk]), {"reason": "发放核对"}).json()
    assert revealed == {"id_number": person.id_number, "phone": "", "bank_account": ""}
    assert AuditEvent.objects.unscoped().filter(action="personal_data.viewed", object_id=str(person.pk)).count() == 1


@pytest.mark.parametrize("reason", ["", "   ", "\t\n"])
def test_full_numbers_are_not_revealed_without_a_reason(personas: Personas, reason: str) -> None:
    person = make_person(personas.village, phone="13900001111", phone_masked="139****1111")
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    url = reverse("people:person_reveal", args=[person.pk])
    for headers in ({"HX-Request": "true"}, {}):
        refused = client.post(url, {"reason": reason}, headers=headers)
        html = refused.content.decode()
        assert refused.status_code == 400 and "请说明查看完整号码的理由。" in html
        assert person.id_number not in html and "13900001111" not in html
    api = Client()
    api.force_login(personas[Role.COUNTY_PAYMENT_OFFICER])
    answer = api.post(reverse("api:person-reveal", args=[person.pk]), {"reason": reason})
    assert answer.status_code == 400 and person.id_number not in answer.content.decode()
    assert not AuditEvent.objects.unscoped().filter(action="personal_data.viewed").exists()
    with pytest.raises(ValidationError):
        services.person_reveal(actor=personas[Role.TOWNSHIP_WINDOW], person=person, reason=reason)


def test_a_reveal_reason_longer_than_the_limit_is_refused(personas: Personas) -> None:
    person = make_person(personas.village)
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    refused = client.post(reverse("people:person_reveal", args=[person.pk]), {"reason": "查" * 501})
    assert refused.status_code == 400 and "最多 500 个字（现有 501 个）。" in refused.content.decode()
    assert person.id_number not in refused.content.decode()


def test_pages_register_and_open_a_household_end_to_end(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    number = synthesize_id_number(address_code="321302", birth_date=dt.date(1975, 4, 5), sequence=17)
    response = client.post(
        reverse("people:person_create"),
        {"name": "刘洋", "id_number": number, "hukou_area": personas.village.code, "labour_capacity": "full"},
    )
    person = Person.objects.unscoped().get(id_index=blind_index(number))
    assert response.status_code == 302 and response["Location"] == reverse("people:person_detail", args=[person.pk])
    response = client.post(
        reverse("people:household_create"),
        {"area": personas.village.code, "head_id_number": number, "joined_on": "2026-01-05", "address": "凤凰路 8 号"},
    )
    household = Household.objects.unscoped().get()
    assert response.status_code == 302
    assert [(m.person_id, m.relation) for m in household.memberships.all()] == [(person.pk, "head")]
    bad = client.post(
        reverse("people:person_create"), {"name": "刘洋", "id_number": "123", "hukou_area": personas.village.code}
    )
    assert bad.status_code == 400
    assert "id_number" in bad.context["form"].errors


def test_list_queries_do_not_grow_with_the_rows(personas: Personas, django_assert_max_num_queries: object) -> None:
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])

    def count_queries(url: str, params: dict[str, str]) -> int:
        from django.db import connection as conn
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(conn) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    for i in range(3):
        make_household(personas.village, make_person(personas.village, "王芳", birth=f"19{60 + i}-01-01"))
    client.get(reverse("people:search"))  # the header's to-do counts are read once, then kept a while
    few = {
        "search": count_queries(reverse("people:search"), {"name": "王"}),
        "api": count_queries(reverse("api:person-list"), {"name": "王"}),
        "households": count_queries(reverse("api:household-list"), {}),
    }
    for i in range(12):
        make_household(personas.village, make_person(personas.village, "王芳", birth=f"19{70 + i}-01-01"))
    many = {
        "search": count_queries(reverse("people:search"), {"name": "王"}),
        "api": count_queries(reverse("api:person-list"), {"name": "王"}),
        "households": count_queries(reverse("api:household-list"), {}),
    }
    assert many == few


def test_probable_duplicates_are_listed_and_merging_keeps_the_history(personas: Personas) -> None:
    a = make_person(personas.village, "张伟", birth="1980-01-01")
    b = make_person(personas.village, "章伟", birth="1980-01-01")  # same sound, same birth, same county
    c = make_person(personas.village, "张伟", birth="1980-01-01")  # same name and birth
    make_person(personas.other_village, "张伟", birth="1980-01-01")  # another county: not a sound match for a or b
    make_person(personas.village, "张伟", birth="1990-01-01")  # another birth date
    approver = personas[Role.COUNTY_APPROVER]
    groups = [[p.pk for p in g] for g in selectors.probable_duplicates(user=approver)]
    assert groups == [[a.pk, c.pk], [a.pk, b.pk, c.pk]]
    make_household(personas.village, b)
    leukaemia = IllnessType.objects.get(code="leukaemia")
    b.illnesses.add(leukaemia)
    services.person_merge(actor=approver, keep=a, duplicate=b, reason="同一人，姓名录入有误")
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert [
        (m.person_id, m.relation, m.left_on)
        for m in Membership.objects.unscoped().filter(household__area=personas.village)
    ] == [(a.pk, "head", None)]
    assert list(a.illnesses.all()) == [leukaemia]
    assert [p.name for p in selectors.person_search(user=approver, query=selectors.PersonQuery(name="章"))] == [
        "张伟",
        "张伟",
        "张伟",
    ]
    event = AuditEvent.objects.unscoped().get(action="people.person_merged")
    assert (event.reason, event.after) == ("同一人，姓名录入有误", {"kept": a.pk, "merged": b.pk})
    with pytest.raises(ValidationError):
        services.person_merge(actor=approver, keep=a, duplicate=b, reason="again")
    with pytest.raises(PermissionDenied):
        services.person_merge(actor=personas[Role.VILLAGE_WORKER], keep=a, duplicate=c, reason="x")


def test_the_duplicate_list_reads_the_same_number_of_queries_for_more_groups(personas: Personas) -> None:
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    approver = personas[Role.COUNTY_APPROVER]
    approver.scopes_for("people.view_person")  # the user's role assignments are read once, then cached

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(conn) as captured:
            groups = selectors.probable_duplicates(user=approver)
        return len(groups), len(captured)

    for i in range(2):
        make_person(personas.village, "赵敏", birth=f"198{i}-01-01")
        make_person(personas.village, "赵敏", birth=f"198{i}-01-01")
    few_groups, few_queries = queries()
    for i in range(2, 6):
        make_person(personas.village, "赵敏", birth=f"198{i}-01-01")
        make_person(personas.village, "赵敏", birth=f"198{i}-01-01")
    many_groups, many_queries = queries()
    assert (few_groups, many_groups) == (2, 6)
    assert many_queries == few_queries
