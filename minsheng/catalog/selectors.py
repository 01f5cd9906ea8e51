from __future__ import annotations

from django.db.models import QuerySet

from minsheng.catalog.models import Department


def department_list() -> QuerySet[Department]:
    return Department.objects.all()
