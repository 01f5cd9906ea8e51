"""The demo accounts: one per role in the demo areas, all with the password `make demo` prints."""

from __future__ import annotations

from dataclasses import dataclass

from minsheng.accounts.roles import Role
from minsheng.accounts.services import account_provision
from minsheng.areas.models import Division
from minsheng.areas.services import divisions_load_bundled
from minsheng.catalog.models import Department
from minsheng.exchange.module import OFFICER

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
    ]


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
        )
    return accounts
