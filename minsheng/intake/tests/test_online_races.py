"""The one-time code's try limit under guesses sent at the same moment (PostgreSQL, real concurrent connections)."""

from __future__ import annotations

import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from minsheng.core.sms import LogSmsSender
from minsheng.intake.models import OnlineCode
from minsheng.intake.online import online_code_request, online_code_verify
from minsheng.testing import build_personas, make_person

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks"),
]

PHONE = "13700001111"


def _guess_at_once(index: str, guesses: list[str]) -> list[str]:
    """Each guess in its own thread and connection, all released at the same moment; the outcome of each."""
    barrier = threading.Barrier(len(guesses))
    outcomes: list[str] = []

    def guess(code: str) -> None:
        try:
            barrier.wait()
            online_code_verify(id_index=index, code=code)
            outcomes.append("in")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess, args=(code,)) for code in guesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _code_sent() -> str:
    match = re.search(r"(\d{6})", LogSmsSender.sent[-1][1])
    assert match is not None
    return match.group(1)


def test_ten_simultaneous_wrong_guesses_count_ten_and_the_right_code_is_then_refused(settings: object) -> None:
    settings.ONLINE_CODE_ATTEMPTS = 10  # type: ignore[attr-defined]
    personas = build_personas()
    person = make_person(personas.village, "刘洋", phone=PHONE, phone_masked="137****1111")
    index = online_code_request(id_number=person.id_number, name="刘洋", phone=PHONE, client_ip="192.0.2.1")
    good = _code_sent()
    wrong = [f"{(int(good) + n) % 1_000_000:06d}" for n in range(1, 11)]
    assert _guess_at_once(index, wrong) == ["refused"] * 10
    assert OnlineCode.objects.get(id_index=index, used_at__isnull=True).attempts == 10
    with pytest.raises(ValidationError):
        online_code_verify(id_index=index, code=good)
    assert OnlineCode.objects.get(id_index=index).used_at is None


def test_simultaneous_guesses_beyond_the_limit_are_not_even_compared(settings: object) -> None:
    """Five tries allowed, ten guesses at once, the right code among the last ones: the count stops at five, and
    no more than five of the ten are compared, so the right one gets in only if it was among the first five."""
    settings.ONLINE_CODE_ATTEMPTS = 5  # type: ignore[attr-defined]
    personas = build_personas()
    person = make_person(personas.village, "刘洋", phone=PHONE, phone_masked="137****1111")
    index = online_code_request(id_number=person.id_number, name="刘洋", phone=PHONE, client_ip="192.0.2.1")
    good = _code_sent()
    guesses = [f"{(int(good) + n) % 1_000_000:06d}" for n in range(1, 10)] + [good]
    outcomes = _guess_at_once(index, guesses)
    code = OnlineCode.objects.get(id_index=index)
    assert outcomes.count("in") <= 1 and outcomes.count("refused") >= 9
    assert (code.used_at is not None) == (outcomes.count("in") == 1)
    # Which thread is compared first is the scheduler's choice: the right code may win as any of the first five
    # counted tries (the later ones are refused as used, not counted); otherwise the count stops at five exactly.
    assert code.attempts <= 5 if code.used_at is not None else code.attempts == 5
