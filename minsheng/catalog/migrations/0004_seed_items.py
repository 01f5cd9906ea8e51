"""The 54 items of the one-window catalogue (DOMAIN §7), from ``catalog/data/items.csv``.

Time limits: the 30 working days of the 低保/特困 procedures are legal (民发〔2021〕57号, 43号); the others are
demo values (``time_limit_is_demo``) until the bureau enters the limits it promises. Legal bases and materials
are starting points for the administrators to complete.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "items.csv"
LEGAL = {
    1: "《社会救助暂行办法》第二章；《最低生活保障审核确认办法》（民发〔2021〕57号）",
    2: "《最低生活保障审核确认办法》（民发〔2021〕57号）；低收入人口认定办法",
    3: "《刚性支出困难家庭认定办法》（2024）",
    4: "《社会救助暂行办法》第三章；《特困人员认定办法》（民发〔2021〕43号）",
    5: "《特困人员认定办法》（民发〔2021〕43号）",
    6: "《国务院关于全面建立临时救助制度的通知》（国发〔2014〕47号）",
    7: "《国务院关于全面建立临时救助制度的通知》（国发〔2014〕47号）",
    8: "国发〔2015〕52号；苏民规〔2022〕4号",
    9: "国发〔2015〕52号；苏民规〔2022〕4号",
}
LEGAL_LIMIT = {1: 30, 2: 30, 3: 30, 4: 30, 5: 30}
DEMO_LIMIT = {6: 5, 7: 15}
COMMON = ["申请人身份证", "户口簿"]
VERIFICATION = ["家庭成员收入情况说明", "家庭经济状况核对授权书（每位成年家庭成员签字）"]
FOLLOW_ON = {1: [24, 25, 54], 4: [24, 25, 54]}


def forward(apps, schema_editor):
    Item = apps.get_model("catalog", "Item")
    Department = apps.get_model("catalog", "Department")
    departments = {d.code: d for d in Department.objects.all()}
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    items = {}
    for row in rows:
        number = int(row["number"])
        verification = row["verification"] == "1"
        item = Item.objects.create(
            number=number,
            name=row["name"],
            kind=row["kind"],
            legal_basis=LEGAL.get(number, ""),
            materials=COMMON + (VERIFICATION if verification else []),
            time_limit_days=LEGAL_LIMIT.get(number, DEMO_LIMIT.get(number, 20)),
            time_limit_is_demo=number not in LEGAL_LIMIT,
            deciding_level="township" if number == 6 else "county",
            needs_verification=verification,
        )
        item.owners.set([departments[code] for code in row["owners"].split("+")])
        items[number] = item
    for number, follow in FOLLOW_ON.items():
        items[number].follow_on.set([items[n] for n in follow])


def backward(apps, schema_editor):
    apps.get_model("catalog", "Item").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_items")]
    operations = [migrations.RunPython(forward, backward)]
