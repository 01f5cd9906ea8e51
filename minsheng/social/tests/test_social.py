"""The social-organisation registry and social work: the credit code to GB 32100-2015, the services' rules, the
pages' errors in Chinese, the public registry, the figures and the demo at scale 1.0."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from minsheng.audit.models import AuditEvent
from minsheng.social import credit_code as uscc
from minsheng.social import services
from minsheng.social.models import AnnualReport, Donation, Organisation, SocialWorker, Station
from minsheng.social.module import ADMIN
from minsheng.social.tests.factories import code, organisation, project
from minsheng.testing import Personas

# Published codes of organisations registered by the Ministry of Civil Affairs (region 100000), as printed on
# invoices and registry pages; both check characters hold in each.
REAL = (
    "51100000500009247D",  # 中国复合材料工业协会 (社会团体)
    "51100000500002862F",
    "51100000500012681T",  # 中国医疗保健国际交流促进会
    "53100000500021676K",  # a foundation
    "53100000500019795A",  # a foundation
)


@pytest.mark.parametrize("value", REAL)
def test_published_codes_are_valid(value: str) -> None:
    assert uscc.validate(value) == []


def test_the_check_character_is_computed_with_the_weights_mod_31() -> None:
    # 5 1 1 0 0 0 0 0 5 0 0 0 0 9 2 4 7 weighted 1, 3, 9, …, 28: the sum is 669, 669 mod 31 = 18, 31 - 18 = 13 → "D"
    assert uscc.check_character("51100000500009247") == "D"
    assert uscc.organisation_check("50000924") == "7"
    assert code("2", "321302", 1)[:17] == "52321302500000015"  # organisation code 50000001 + its check 5
    assert uscc.validate(code("2", "321302", 1)) == []


def test_a_mistyped_last_character_names_position_18_and_the_right_one() -> None:
    assert uscc.validate("51100000500009247E") == ["第18位（E）是校验码，应为D：代码中有字符录入错误。"]


def test_a_swapped_digit_is_caught_by_both_checks() -> None:
    errors = uscc.validate("51100000500009427D")
    assert errors == [
        "第17位（7）是组织机构代码500009427的校验码，应为3。",
        "第18位（D）是校验码，应为N：代码中有字符录入错误。",
    ]


def test_wrong_length_forbidden_letters_authority_type_and_region() -> None:
    assert uscc.validate("5110000050000924") == ["统一社会信用代码为18位，此代码为16位。"]
    assert uscc.validate("5110000050000924OD") == [
        "第17位（O）不允许使用：统一社会信用代码由数字和除I、O、S、V、Z以外的大写字母组成。"
    ]
    company = "91350100M000100Y43"  # a company (工商, 9): valid to the checks, not a civil-affairs code
    assert uscc.validate(company) == ["第1位（9）是登记管理部门代码：民政部门登记的组织为5。"]
    first17 = "54321302500000015"
    assert uscc.validate(first17 + uscc.check_character(first17)) == [
        "第2位（4）是机构类别代码：民政部门为1（社会团体）、2（民办非企业单位）、3（基金会）或9（其他）。"
    ]
    unknown = code("1", "329999", 3)
    assert uscc.validate(unknown) == []
    assert uscc.validate(unknown, region_known=lambda region: False) == ["第3–8位（329999）不是已知的行政区划代码。"]


@pytest.mark.django_db
def test_region_is_checked_against_the_division_table(personas: Personas) -> None:
    assert services.credit_code_errors(code("1", "321302", 4)) == []
    assert services.credit_code_errors(code("1", "321399", 4)) == ["第3–8位（321399）不是已知的行政区划代码。"]
    assert services.credit_code_errors(code("1", "100000", 4)) == []


def _register(p: Personas, **overrides: object) -> Organisation:
    values: dict[str, object] = {
        "actor": p[ADMIN],
        "kind": "community",
        "name": "幸福里志愿服务队",
        "credit_code": "",
        "service_field": "community",
        "area_code": p.village.code,
        "registrar_code": p.township.code,
        "registered_on": dt.date(2021, 5, 1),
    }
    values.update(overrides)
    return services.organisation_register(**values)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_township_files_a_community_organisation_and_the_event_is_recorded(personas: Personas) -> None:
    org = _register(personas)
    assert (org.kind, org.credit_code, org.area_code, org.registrar_code, org.status) == (
        "community",
        "",
        personas.village.code,
        personas.township.code,
        "active",
    )
    event = AuditEvent.objects.unscoped().get(action="social.organisation_registered")
    assert (event.object_id, event.area_code) == (str(org.pk), personas.village.code)


@pytest.mark.django_db
def test_a_township_may_not_register_a_social_group(personas: Personas) -> None:
    with pytest.raises(ValidationError) as refused:
        _register(personas, kind="social_group", credit_code=code("1", "321302", 5))
    assert "registrar" in refused.value.message_dict
    assert Organisation.objects.unscoped().count() == 0


@pytest.mark.django_db
def test_the_city_registers_a_foundation_and_the_code_is_checked(personas: Personas) -> None:
    city_admin = personas["city_admin"]
    good = code("3", "321300", 9)
    org = _register(
        personas,
        actor=city_admin,
        kind="foundation",
        credit_code=good.lower(),
        registrar_code=personas.city.code,
        name="宿迁市慈善基金会",
        service_field="charity",
    )
    assert org.credit_code == good
    with pytest.raises(ValidationError) as twice:
        _register(
            personas,
            actor=city_admin,
            kind="foundation",
            credit_code=good,
            registrar_code=personas.city.code,
            name="另一基金会",
            service_field="charity",
        )
    assert twice.value.message_dict["credit_code"] == ["该统一社会信用代码已登记（宿迁市慈善基金会）。"]
    with pytest.raises(ValidationError) as wrong_type:
        _register(
            personas,
            actor=city_admin,
            kind="social_group",
            credit_code=code("3", "321300", 10),
            registrar_code=personas.city.code,
            name="某协会",
            service_field="charity",
        )
    assert wrong_type.value.message_dict["credit_code"] == ["统一社会信用代码第2位（3）表示的机构类别与所选类型不符。"]
    with pytest.raises(ValidationError) as missing:
        _register(personas, actor=city_admin, kind="social_group", registrar_code=personas.city.code, name="无码协会")
    assert missing.value.message_dict["credit_code"] == ["已登记的社会组织须有统一社会信用代码。"]
    assert Organisation.objects.unscoped().count() == 1


@pytest.mark.django_db
def test_an_administrator_elsewhere_is_refused(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        _register(personas, actor=personas.outsider(ADMIN))
    assert Organisation.objects.unscoped().count() == 0


@pytest.mark.django_db
def test_grade_holds_sixty_months_and_fundraising_needs_the_charity_first(personas: Personas) -> None:
    org = organisation(personas)
    admin = personas["city_admin"]
    graded = services.organisation_grade(actor=admin, organisation=org, grade=4, graded_on=dt.date(2022, 6, 15))
    assert (graded.grade, graded.grade_label, graded.grade_until) == (4, "4A", dt.date(2027, 6, 14))
    with pytest.raises(ValidationError) as bad:
        services.organisation_grade(actor=admin, organisation=org, grade=6, graded_on=dt.date(2023, 1, 1))
    assert bad.value.message_dict == {"grade": ["评估等级为1A至5A。"]}
    with pytest.raises(ValidationError) as early:
        services.organisation_charity(
            actor=admin, organisation=org, charity_since=None, fundraising_since=dt.date(2020, 1, 1)
        )
    assert early.value.message_dict == {"fundraising_since": ["须先认定为慈善组织，方可取得公开募捐资格。"]}
    done = services.organisation_charity(
        actor=admin, organisation=org, charity_since=dt.date(2018, 1, 1), fundraising_since=dt.date(2020, 3, 1)
    )
    assert (done.charity_since, done.public_fundraising_since) == (dt.date(2018, 1, 1), dt.date(2020, 3, 1))


@pytest.mark.django_db
def test_a_county_organisation_is_changed_by_its_registrar_only(personas: Personas) -> None:
    org = organisation(personas)  # registered by the county, domiciled in the reference village
    with pytest.raises(PermissionDenied):  # the township's administrator sees it (its domicile) but did not register it
        services.organisation_grade(actor=personas[ADMIN], organisation=org, grade=3, graded_on=dt.date(2022, 1, 1))
    assert Organisation.objects.unscoped().get(pk=org.pk).grade == 0


@pytest.mark.django_db
def test_annual_report_once_a_year_and_inspected_once(personas: Personas) -> None:
    org = organisation(personas)
    admin = personas["city_admin"]
    report = services.report_submit(
        actor=admin,
        organisation=org,
        year=2022,
        submitted_on=dt.date(2023, 4, 1),
        income_fen=1_250_000,
        expenditure_fen=980_050,
        staff=3,
    )
    assert (report.year, report.income_fen, report.expenditure_fen, report.result) == (
        2022,
        1_250_000,
        980_050,
        "pending",
    )
    with pytest.raises(ValidationError):
        services.report_submit(
            actor=admin,
            organisation=org,
            year=2022,
            submitted_on=dt.date(2023, 4, 2),
            income_fen=0,
            expenditure_fen=0,
            staff=0,
        )
    with pytest.raises(ValidationError) as why:
        services.report_inspect(actor=admin, report=report, result="unqualified")
    assert why.value.message_dict == {"note": ["请说明理由。"]}
    services.report_inspect(actor=admin, report=report, result="qualified")
    with pytest.raises(ValidationError):
        services.report_inspect(actor=admin, report=report, result="basically")
    assert list(AnnualReport.objects.unscoped().values_list("year", "result")) == [(2022, "qualified")]


@pytest.mark.django_db
def test_deregistered_organisations_leave_the_public_registry(personas: Personas) -> None:
    org = organisation(personas)
    client = Client()
    assert client.get(reverse("social:public_detail", args=[org.pk])).status_code == 200
    services.organisation_deregister(
        actor=personas["city_admin"], organisation=org, revoked=True, ended_on=dt.date(2023, 2, 1), reason="长期未年检"
    )
    assert client.get(reverse("social:public_detail", args=[org.pk])).status_code == 404
    listing = client.get(reverse("social:public_list"), {"credit_code": org.credit_code})
    assert list(listing.context["page"]) == []


@pytest.mark.django_db
def test_the_form_names_the_wrong_character_in_chinese(personas: Personas) -> None:
    client = Client()
    client.force_login(personas["city_admin"])
    good = code("1", "321302", 21)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = client.post(
        reverse("social:organisation_new"),
        {
            "kind": "social_group",
            "name": "宿城区摄影家协会",
            "credit_code": bad,
            "service_field": "culture",
            "registrar": personas.county.code,
            "area": personas.county.code,
            "registered_on": "2019-04-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["credit_code"] == [
        f"第18位（{bad[17]}）是校验码，应为{good[17]}：代码中有字符录入错误。"
    ]
    assert Organisation.objects.unscoped().count() == 0


@pytest.mark.django_db
def test_search_by_area_type_field_name_and_code(personas: Personas) -> None:
    a = organisation(personas)
    b = organisation(personas, name="宿城区书法家协会", credit_code=code("1", "321302", 8), service_field="culture")
    c = organisation(
        personas,
        name="沭阳县慈善基金会",
        kind="foundation",
        credit_code=code("3", "321322", 9),
        area_code=personas.other_county.code,
        registrar_code=personas.other_county.code,
        service_field="charity",
    )
    client = Client()
    client.force_login(personas["city_admin"])

    def found(**params: str) -> list[str]:
        return [o.name for o in client.get(reverse("social:organisation_list"), params).context["page"]]

    assert found() == [b.name, a.name, c.name]  # by area code, then name: 书 (U+4E66) before 养 (U+517B)
    assert found(service_field="culture") == [b.name]
    assert found(name="养老") == [a.name]
    assert found(credit_code=b.credit_code.lower()) == [b.name]
    assert found(kind="foundation", area="321322") == [c.name]
    assert found(area="not-a-code") == [b.name, a.name, c.name]
    assert found(area="321302") == [b.name, a.name]


@pytest.mark.django_db
def test_workers_centres_and_coverage(personas: Personas) -> None:
    admin = personas[ADMIN]
    centre = services.station_open(
        actor=admin,
        kind="centre",
        area_code=personas.village.code,
        name="示范社区党群服务中心",
        opened_on=dt.date(2020, 1, 1),
        standard=True,
        floor_area=600,
    )
    station = services.station_open(
        actor=admin,
        kind="station",
        area_code=personas.township.code,
        name="示范街道社工站",
        opened_on=dt.date(2021, 1, 1),
    )
    with pytest.raises(ValidationError):
        services.station_open(
            actor=admin, kind="centre", area_code=personas.village.code, name="第二中心", opened_on=dt.date(2021, 1, 1)
        )
    worker = services.worker_register(
        actor=admin,
        name="李芳",
        level="social_worker",
        certificate_number="s 2019 32 0001",
        certified_year=2019,
        area_code=personas.township.code,
        station=station,
    )
    assert (worker.certificate_number, worker.station_id) == ("S2019320001", station.pk)
    with pytest.raises(ValidationError) as no_cert:
        services.worker_register(
            actor=admin,
            name="王静",
            level="assistant",
            certificate_number="",
            certified_year=2020,
            area_code=personas.township.code,
        )
    assert no_cert.value.message_dict == {"certificate_number": ["持证社会工作者须填写证书编号。"]}
    client = Client()
    client.force_login(admin)
    rows = client.get(reverse("social:coverage")).context["rows"]
    assert [(r.township.code, r.standard, r.has_station) for r in rows] == [(personas.township.code, 1, True)]
    assert rows[0].communities == personas.township.children.count()
    detail = client.get(reverse("social:station_detail", args=[station.pk]))
    assert [w.name for w in detail.context["staff"]] == ["李芳"]
    assert centre.standard is True


@pytest.mark.django_db
def test_donations_in_fen_and_goods(personas: Personas) -> None:
    p = project(personas)
    admin = personas[ADMIN]
    services.donation_record(
        actor=admin,
        project=p,
        donor="宿迁某爱心企业",
        kind="money",
        amount_fen=500_000,
        received_on=dt.date(2023, 1, 5),
    )
    services.donation_record(
        actor=admin,
        project=p,
        donor="匿名",
        kind="goods",
        amount_fen=120_000,
        goods="棉被40床",
        received_on=dt.date(2023, 1, 6),
    )
    with pytest.raises(ValidationError) as unnamed:
        services.donation_record(
            actor=admin, project=p, donor="某人", kind="goods", amount_fen=100, received_on=dt.date(2023, 1, 6)
        )
    assert unnamed.value.message_dict == {"goods": ["请写明捐赠的物资。"]}
    from minsheng.social.selectors import project_totals, referral_projects

    assert project_totals(project=p) == {"money": 500_000, "goods": 120_000}
    assert Donation.objects.unscoped().count() == 2
    # The project is the village's; one of the township serves the village too, one of another township does not.
    from minsheng.social.models import CharityProject

    township = CharityProject.objects.create(
        name="助老餐桌",
        area_code=personas.township.code,
        service_field="elderly",
        description="助餐",
        starts_on=dt.date(2022, 1, 1),
    )
    CharityProject.objects.create(
        name="助学",
        area_code=personas.other_township.code,
        service_field="children",
        description="助学",
        starts_on=dt.date(2022, 1, 1),
    )
    worker = personas["village_worker"]
    assert [x.pk for x in referral_projects(user=worker, area_code=personas.village.code)] == [p.pk, township.pk]
    assert [x.pk for x in referral_projects(user=worker, area_code=personas.village.code, service_field="elderly")] == [
        township.pk
    ]
    assert list(referral_projects(user=worker, area_code=personas.other_village.code)) == []


@pytest.mark.django_db
def test_demo_reproduces_the_published_figures_at_scale_one(personas: Personas) -> None:
    from minsheng.social.demo import demo_step

    line = demo_step(1.0, 7, print)
    orgs = Organisation.objects.unscoped().filter(status="active")
    assert orgs.count() == 3601
    assert orgs.filter(kind="community").count() == 939
    assert Station.objects.unscoped().filter(kind="centre", standard=True).count() == 1401
    assert SocialWorker.objects.unscoped().exclude(level="none").filter(active=True).count() == 1529
    assert all(
        uscc.validate(c, region_known=services.region_known) == []
        for c in Organisation.objects.unscoped().exclude(credit_code="").values_list("credit_code", flat=True)
    )
    assert line is not None and line.startswith("social: 3601 organisations (939 community), 1401 standard centres")
    assert demo_step(1.0, 7, print) is None  # a second run adds nothing


@pytest.mark.django_db
def test_figures_count_the_stocks_at_the_end_of_each_month(personas: Personas) -> None:
    from minsheng.statistics.refresh import cells_rebuild
    from minsheng.statistics.selectors import Period, dashboard

    organisation(personas, registered_on=dt.date(2023, 3, 10))
    organisation(
        personas,
        name="早年协会",
        credit_code=code("1", "321302", 31),
        registered_on=dt.date(2010, 1, 1),
        status="deregistered",
        ended_on=dt.date(2023, 5, 20),
    )
    organisation(
        personas,
        name="幸福里互助会",
        kind="community",
        credit_code="",
        registered_on=dt.date(2023, 1, 1),
        registrar_code=personas.township.code,
    )
    Station.objects.create(
        kind="centre", name="甲社区中心", area_code=personas.village.code, opened_on=dt.date(2020, 1, 1), standard=True
    )
    cells_rebuild()

    def figures(last: dt.date) -> dict[str, object]:
        board = dashboard(user=personas["city_admin"], area_code=None, period=Period(dt.date(2023, 1, 1), last))
        return {f.key: f.value for f in board.figures}

    keys = ("social_organisations", "community_social_organisations", "community_centres", "social_workers")
    assert [figures(dt.date(2023, 2, 1))[k] for k in keys] == [2, 1, 1, 0]
    assert [figures(dt.date(2023, 3, 1))[k] for k in keys] == [3, 1, 1, 0]
    assert [figures(dt.date(2023, 5, 1))[k] for k in keys] == [2, 1, 1, 0]
