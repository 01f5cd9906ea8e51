from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.accounts.models import User
from minsheng.accounts.roles import Role, role_specs
from minsheng.accounts.services import account_provision
from minsheng.areas.codes import InvalidCode, normalize_code
from minsheng.areas.models import Division


class Command(BaseCommand):
    help = "Create the first city administrator of a fresh installation (asks for the password twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("division", help="the city's division code, e.g. 3213 or 321300000000")
        parser.add_argument("--name", default="", help="display name")

    def handle(self, *args: Any, username: str, division: str, name: str, **options: Any) -> None:
        try:
            code = normalize_code(division)
        except InvalidCode as exc:
            raise CommandError(str(exc)) from None
        # A system job: the first account has nobody to be scoped by.
        area = Division.objects.all().filter(code=code).first()
        if area is None:
            raise CommandError(f"division {code} is not loaded (manage.py load_divisions or import_divisions)")
        if area.level not in role_specs()[Role.CITY_ADMIN].levels:
            raise CommandError(f"{area} is a {area.level}; a city administrator belongs to a city")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"an account {username!r} exists already")
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("the passwords differ")
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        account_provision(
            username=username,
            display_name=name or username,
            password=password,
            home_area=area,
            roles=[(Role.CITY_ADMIN, area, None)],
        )
        self.stdout.write(f"city administrator {username} created for {area}")
