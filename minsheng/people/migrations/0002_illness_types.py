"""The serious illnesses recognised for 单人保 and 重病 checks, as seen in a Jiangsu (泰州) platform (DOMAIN §1.1).

Configuration, not code: administrators add, rename or retire entries; this seeds the first list.
"""

from django.db import migrations

ILLNESSES = [
    ("leukaemia", "白血病"),
    ("end_stage_renal", "终末期肾病"),
    ("malignant_tumour", "恶性肿瘤"),
    ("organ_transplant", "器官移植后抗排异治疗"),
    ("aplastic_anaemia", "再生障碍性贫血"),
    ("lupus", "系统性红斑狼疮"),
    ("haemophilia", "血友病"),
    ("decompensated_cirrhosis", "肝硬化失代偿期"),
    ("severe_rheumatoid", "重症类风湿性关节炎"),
    ("ankylosing_spondylitis", "强直性脊柱炎"),
    ("diabetes_complications", "糖尿病严重并发症"),
    ("aids_opportunistic", "艾滋病机会性感染"),
    ("copd", "慢性阻塞性肺疾病"),
    ("pneumoconiosis", "尘肺病"),
    ("thalassaemia", "地中海贫血"),
    ("crohns", "克罗恩病"),
    ("als", "肌萎缩侧索硬化（渐冻人病）"),
]


def forward(apps, schema_editor):
    IllnessType = apps.get_model("people", "IllnessType")
    for order, (code, name) in enumerate(ILLNESSES, start=1):
        IllnessType.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})


def backward(apps, schema_editor):
    apps.get_model("people", "IllnessType").objects.filter(code__in=[c for c, _ in ILLNESSES]).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
