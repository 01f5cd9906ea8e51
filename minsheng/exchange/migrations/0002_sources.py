"""The departments' data sources (DOMAIN §5), each in layout version 1 (exchange/layouts.py)."""

from django.db import migrations

SOURCES = [
    # code, name, issued by, department code (catalog) or None
    ("police_death", "死亡登记", "公安局", "public_security"),
    ("police_household", "户籍变动", "公安局", "public_security"),
    ("hrss_contribution", "社会保险缴费基数", "人力资源和社会保障局", "human_resources"),
    ("hrss_pension", "养老金", "人力资源和社会保障局", "human_resources"),
    ("hrss_unemployment", "失业保险金", "人力资源和社会保障局", "human_resources"),
    ("tax_income", "个人所得税", "税务局", "tax_property"),
    ("market_role", "企业法人、股东、高管及个体工商户", "市场监督管理局", None),
    ("property", "不动产登记", "不动产登记中心", "tax_property"),
    ("housing_fund", "住房公积金", "住房公积金管理中心", None),
    ("vehicle", "机动车登记", "公安局交通管理部门", "public_security"),
    ("public_payroll", "财政供养人员", "财政局", "finance"),
    ("disability", "残疾人证", "残疾人联合会", "disabled_federation"),
    ("medical_bill", "医疗费用结算", "医疗保障局", "medical_security"),
    ("student", "学籍", "教育局", "education"),
    ("court_enforcement", "强制执行案件", "人民法院", "court"),
    ("financial_asset", "存款、理财、证券及保险现金价值", "银行、证券公司、保险公司", None),
]


def forward(apps, schema_editor):
    DataSource = apps.get_model("exchange", "DataSource")
    Department = apps.get_model("catalog", "Department")
    departments = {d.code: d for d in Department.objects.all()}
    for order, (code, name, issuer, department) in enumerate(SOURCES, start=1):
        DataSource.objects.update_or_create(
            code=code,
            defaults={"name": name, "issuer": issuer, "department": departments.get(department), "sort_order": order},
        )


def backward(apps, schema_editor):
    apps.get_model("exchange", "DataSource").objects.filter(code__in=[s[0] for s in SOURCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial"), ("catalog", "0002_departments")]
    operations = [migrations.RunPython(forward, backward)]
