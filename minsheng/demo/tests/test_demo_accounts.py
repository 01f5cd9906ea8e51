"""The demo's accounts: one per role of the core and of every module, the organisation-bound ones bound to the demo
county's organisations, printed by `demo_setup` with the password."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import role_specs
from minsheng.areas.models import Division
from minsheng.areas.services import divisions_load_bundled
from minsheng.demo.accounts import COUNTY, demo_setup
from minsheng.eldercare.module import STAFF as PROVIDER_STAFF
from minsheng.eldercare.tests.factories import provider
from minsheng.funeral.module import STAFF as FUNERAL_STAFF
from minsheng.funeral.tests.factories import facility

PASSWORD = "Demo-Pa55-word!"

pytestmark = pytest.mark.django_db


def test_every_role_has_a_demo_account_bound_where_its_role_needs() -> None:
    divisions_load_bundled()
    county = Division.objects.get(code=COUNTY)
    home = facility(county)
    care = provider(county)

    accounts = demo_setup(password=PASSWORD)

    assert sorted(a.role for a in accounts) == sorted(role_specs())  # one each, a new module's role too
    bound = {a.role: a.organisation_id for a in accounts if a.organisation_id is not None}
    assert bound == {FUNERAL_STAFF: home.pk, PROVIDER_STAFF: care.pk}
    staff = RoleAssignment.objects.get(user__username="provider")
    assert (staff.role, staff.division_id, staff.organisation_id) == (PROVIDER_STAFF, COUNTY, care.pk)
    assert User.objects.get(username="provider").check_password(PASSWORD)

    first = sorted(RoleAssignment.objects.values_list("id", flat=True))
    demo_setup(password=PASSWORD)  # again: nothing re-made
    assert sorted(RoleAssignment.objects.values_list("id", flat=True)) == first


def test_without_the_organisations_the_bound_accounts_are_left_out_and_the_rest_printed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    out = io.StringIO()

    call_command("demo_setup", stdout=out)

    printed = out.getvalue()
    assert PASSWORD in printed
    assert "  director " in printed and "儿童主任" in printed
    assert "  funeral " not in printed and "  provider " not in printed
    assert not User.objects.filter(username__in=["funeral", "provider"]).exists()
