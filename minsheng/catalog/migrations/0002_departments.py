"""The 22 departments of the one-window catalogue (DOMAIN §7), shipped as data."""

from django.db import migrations

DEPARTMENTS = [
    # code, name, group
    ("civil_affairs", "民政局", "government"),
    ("medical_security", "医疗保障局", "government"),
    ("health", "卫生健康委员会", "government"),
    ("education", "教育局", "government"),
    ("housing", "住房和城乡建设局", "government"),
    ("human_resources", "人力资源和社会保障局", "government"),
    ("emergency", "应急管理局", "government"),
    ("justice", "司法局", "government"),
    ("veterans", "退役军人事务局", "government"),
    ("agriculture", "农业农村局", "government"),
    ("public_security", "公安局", "government"),
    ("finance", "财政局", "government"),
    ("tax_property", "税务局/不动产登记中心", "government"),
    ("court", "人民法院", "judicial"),
    ("procuratorate", "人民检察院", "judicial"),
    ("disabled_federation", "残疾人联合会", "mass_organisation"),
    ("trade_union", "总工会", "mass_organisation"),
    ("womens_federation", "妇女联合会", "mass_organisation"),
    ("youth_league", "共青团委员会", "mass_organisation"),
    ("charity", "慈善总会/红十字会", "mass_organisation"),
    ("power_supply", "供电公司", "utility"),
    ("water_gas", "水务/燃气公司", "utility"),
]


def forward(apps, schema_editor):
    Department = apps.get_model("catalog", "Department")
    for order, (code, name, group) in enumerate(DEPARTMENTS, start=1):
        Department.objects.update_or_create(code=code, defaults={"name": name, "group": group, "sort_order": order})


def backward(apps, schema_editor):
    apps.get_model("catalog", "Department").objects.filter(code__in=[d[0] for d in DEPARTMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
