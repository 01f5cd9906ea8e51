from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from minsheng.accounts.roles import role_label
from minsheng.demo.accounts import demo_setup


class Command(BaseCommand):
    help = "Load the Suqian demo city and one account per role; print how to sign in. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        password = os.environ.get("DEMO_PASSWORD", "")
        if len(password) < 10:
            raise CommandError("DEMO_PASSWORD is not set (make demo writes it into var/demo.env)")
        if settings.PRODUCTION:
            raise CommandError("demo_setup refuses to run with MINSHENG_ENV=production")
        accounts = demo_setup(password=password)
        translation.activate(settings.LANGUAGE_CODE)
        url = f"http://127.0.0.1:{settings.PORT}/"
        width = max(len(a.username) for a in accounts)
        lines = [
            "",
            "=" * 72,
            f" 民生 Minsheng demo · 宿迁市 Suqian       {url}",
            "=" * 72,
            f" 登录密码 / password for every account:  {password}",
            "",
        ]
        for account in accounts:
            areas = "、".join(a.name for a in (account.area, *account.extra_areas))
            department = f" · {account.department.name}" if account.department else ""
            organisation = f" · {account.organisation_name}" if account.organisation_name else ""
            lines.append(
                f"  {account.username:<{width}}  {role_label(account.role)}  {areas}{department}{organisation}"
            )
        lines += ["", f" Open {url} and sign in with an account above. Stop with Ctrl-C.", "=" * 72, ""]
        self.stdout.write("\n".join(str(line) for line in lines))
