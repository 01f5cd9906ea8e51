"""The demo accounts: one per role in the demo areas (the core's and every module's), all with the password `make
demo` prints. An organisation-bound role (a funeral home's staff, a care provider's staff) gets its account once the
demo city has such an organisation in the demo county; `demo_setup` before `demo_city` leaves it out."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from minsheng.accounts.roles import Role
from minsheng.accounts.services import account_provision
from minsheng.areas.models import Division
from minsheng.areas.services import divisions_load_bundled
from minsheng.catalog.models import Department
from minsheng.children.models import Child
from minsheng.children.module import COUNTY_STAFF as CHILD_COUNTY_STAFF
from minsheng.children.module import DIRECTOR as CHILD_DIRECTOR
from minsheng.children.module import SUPERVISOR as CHILD_SUPERVISOR
from minsheng.eldercare.models import Provider
from minsheng.eldercare.module import STAFF as PROVIDER_STAFF
from minsheng.exchange.module import OFFICER
from minsheng.funeral.models import Facility
from minsheng.funeral.module import STAFF as FUNERAL_STAFF
from minsheng.relief.module import STAFF as RELIEF_STAFF
from minsheng.social.module import ADMIN as SOCIAL_ADMIN

CITY = "321300000000"  # 宿迁市
COUNTY = "321302000000"  # 宿城区


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    area: Division
    extra_areas: tuple[Division, ...] = ()
    department: Department | None = None
    organisation_id: int | None = None
    organisation_name: str = ""


def demo_accounts() -> list[DemoAccount]:
    # A system job: the demo picks its areas from the whole table.
    divisions = Division.objects.all()
    city = divisions.get(code=CITY)
    county = divisions.get(code=COUNTY)
    townships = list(divisions.filter(parent=county, level="township").order_by("code")[:2])
    village = divisions.filter(parent=townships[0], level="village").order_by("code").first()
    assert village is not None, "the Suqian divisions are not loaded"
    education = Department.objects.get(code="education")
    return [
        DemoAccount("village", "村协理员 王芳", Role.VILLAGE_WORKER, village),
        DemoAccount("township", "乡镇受理窗口 李强", Role.TOWNSHIP_WINDOW, townships[0]),
        DemoAccount("reviewer", "乡镇初审 张敏", Role.TOWNSHIP_REVIEWER, townships[0], (townships[1],)),
        DemoAccount("county", "县级审核确认 刘洋", Role.COUNTY_APPROVER, county),
        DemoAccount("payment", "县级发放专员 陈静", Role.COUNTY_PAYMENT_OFFICER, county),
        DemoAccount("education", "教育局经办 杨帆", Role.DEPARTMENT_HANDLER, county, department=education),
        DemoAccount("admin", "市级管理员 赵磊", Role.CITY_ADMIN, city),
        DemoAccount("auditor", "审计员 孙丽", Role.AUDITOR, city),
        DemoAccount("verify", "核对中心经办 周涛", OFFICER, county),
        *_module_accounts(county, townships[0], village),
    ]


def _module_accounts(county: Division, township: Division, village: Division) -> list[DemoAccount]:
    """The modules' roles: the children's director in the county's village with the most open cases (the demo
    village before the children's demo step has run), and the organisation-bound roles bound to the county's first
    funeral home and first active care provider."""
    prefix = county.code[:6]
    # unscoped: a system job choosing the demo's areas and organisations
    busiest = (
        Child.objects.unscoped()
        .filter(area_code__startswith=prefix, status=Child.Status.OPEN)
        .values("area_code")
        .annotate(n=Count("id"))
        .order_by("-n", "area_code")
        .first()
    )
    child_village = Division.objects.filter(code=busiest["area_code"]).first() if busiest else None
    child_village = child_village or village
    accounts = [
        DemoAccount("relief", "救助管理站 冯军", RELIEF_STAFF, county),
        DemoAccount("director", "儿童主任 吴婷", CHILD_DIRECTOR, child_village),
        DemoAccount("supervisor", "儿童督导员 郑伟", CHILD_SUPERVISOR, child_village.parent or township),
        DemoAccount("children", "县未成年人保护 钱坤", CHILD_COUNTY_STAFF, county),
        DemoAccount("social", "社会组织管理 韩梅", SOCIAL_ADMIN, county),
    ]
    # unscoped: the same system job's choice of the county's organisations
    home = Facility.objects.unscoped().filter(area_code=county.code, kind=Facility.Kind.FUNERAL_HOME).order_by("id")
    if (found := home.first()) is not None:
        accounts.append(DemoAccount("funeral", "殡仪馆 何平", FUNERAL_STAFF, county, (), None, found.pk, found.name))
    # unscoped: the same system job's choice of the county's organisations
    providers = Provider.objects.unscoped().filter(area_code=county.code, active=True).order_by("id")
    if (provider := providers.first()) is not None:
        accounts.append(
            DemoAccount("provider", "居家养老服务员 许娜", PROVIDER_STAFF, county, (), None, provider.pk, provider.name)
        )
    return accounts


def demo_setup(*, password: str) -> list[DemoAccount]:
    divisions_load_bundled()
    accounts = demo_accounts()
    for account in accounts:
        areas = (account.area, *account.extra_areas)
        account_provision(
            username=account.username,
            display_name=account.display_name,
            password=password,
            home_area=account.area,
            roles=[(account.role, area, account.department) for area in areas],
            organisation_id=account.organisation_id,
        )
    return accounts
