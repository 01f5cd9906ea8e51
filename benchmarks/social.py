"""Social organisations benchmark (issue 21, the organisations half): the registry's search pages over the demo's
organisations at the run's scale (3,601 at scale 1.0, plus the deregistered ones), and the coverage page.

The social demo step runs first if the database has no organisation (it needs only the division table). Timed, through
Django's test client, ``REPEAT`` times after two warm-up requests each (median and slowest):

- the staff search (社会组织) of a city administrator: no filter (the first page and the count), a name fragment, a
  credit code, a county and type, a service field, and a late page (page 60: OFFSET 2,950);
- the public registry with a name fragment (no account);
- the social-worker list with a name prefix;
- the coverage of the city by township (109 townships, 1,440 villages).

Standalone against a database with a demo city (or a fresh one with the divisions loaded)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_social BENCH_CITY_SCALE=1.0 MINSHENG_ENV=test \\
        .venv/bin/python -m benchmarks.social
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator

REPEAT = 20


def _time(client: object, url: str, params: dict[str, str]) -> tuple[float, float, int]:
    get = client.get  # type: ignore[attr-defined]
    for _ in range(2):
        assert get(url, params).status_code == 200
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = get(url, params)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times) * 1000, max(times) * 1000, len(response.content)


def bench_social() -> Iterator[str]:
    from django.test import Client
    from django.urls import reverse

    from minsheng.accounts.models import RoleAssignment, User
    from minsheng.areas.models import Division
    from minsheng.social.demo import demo_step
    from minsheng.social.models import Organisation
    from minsheng.testing import ensure_reference_data

    ensure_reference_data()
    scale = float(os.environ.get("BENCH_CITY_SCALE", "1.0"))
    started = time.perf_counter()
    line = demo_step(scale, 1, print)
    if line:
        yield f"social: demo step at scale {scale}: {time.perf_counter() - started:.1f} s ({line})"
    # unscoped: benchmark set-up: how many rows the search runs over
    total = Organisation.objects.unscoped().count()
    # unscoped: benchmark set-up: a real code and name to search for
    sample = Organisation.objects.unscoped().exclude(credit_code="").order_by("id")[total // 2]
    username = "bench-social-city-admin"
    user = User.objects.filter(username=username).first()
    if user is None:
        city = Division.objects.all().get(code="321300000000")  # a system job addressed by code
        user = User.objects.create_user(username=username, password=None, home_area=city, display_name=username)
        RoleAssignment.objects.create(user=user, role="city_admin", division=city)
    staff = Client()
    staff.force_login(user)
    searches: tuple[tuple[str, dict[str, str]], ...] = (
        ("no filter", {}),
        ("name contains", {"name": sample.name[-4:]}),
        ("credit code", {"credit_code": sample.credit_code}),
        ("county and type", {"area": sample.registrar_code[:6], "kind": sample.kind}),
        ("service field", {"service_field": sample.service_field}),
        ("page 60", {"page": "60", "status": "all"}),
    )
    for label, params in searches:
        median, slowest, size = _time(staff, reverse("social:organisation_list"), params)
        yield (
            f"social: staff search, {label} ({total:,} organisations): median {median:.1f} ms, slowest "
            f"{slowest:.1f} ms of {REPEAT}, {size / 1024:.0f} KB"
        )
    median, slowest, _size = _time(Client(), reverse("social:public_list"), {"name": sample.name[-4:]})
    yield f"social: public registry, name contains: median {median:.1f} ms, slowest {slowest:.1f} ms"
    median, slowest, _size = _time(staff, reverse("social:worker_list"), {"q": "王"})
    yield f"social: social workers, name prefix: median {median:.1f} ms, slowest {slowest:.1f} ms"
    median, slowest, _size = _time(staff, reverse("social:coverage"), {})
    yield f"social: coverage of the city by township: median {median:.1f} ms, slowest {slowest:.1f} ms"


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    os.environ.setdefault("MINSHENG_ENV", "test")
    import django

    django.setup()
    for line in bench_social():
        print("  " + line, flush=True)
