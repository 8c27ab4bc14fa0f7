import threading

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from pracha.core.throttling import AnonThrottle, AuthThrottle, WindowThrottle, parse_rate


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def request_from(address: str, auth=None):
    request = RequestFactory().get("/api/x", REMOTE_ADDR=address)
    if auth is not None:
        request.auth = auth
    return request


def throttle(rate: str, at: float, kind=WindowThrottle) -> tuple[WindowThrottle, Clock]:
    clock = Clock(at)
    limiter = kind(rate)
    limiter.timer = clock
    return limiter, clock


def test_rates_are_parsed_and_a_bad_period_is_refused():
    assert parse_rate("240/m") == (240, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("10/hour") == (10, 3600)
    with pytest.raises(ValueError, match="period"):
        parse_rate("10/week")


def test_the_limit_is_exact_within_a_window_and_refusals_say_how_long_to_wait():
    limiter, clock = throttle("3/m", at=6000.0)  # the start of a window
    answers = [limiter.allow_request(request_from("10.0.0.1")) for _ in range(4)]
    assert answers == [True, True, True, False]
    # The window ends in 60 s; as the previous window it then counts 3 · (1 - t/60), below 3 at once.
    assert limiter.wait() == 61
    clock.now += 60
    assert not limiter.allow_request(request_from("10.0.0.1"))
    clock.now += 1
    assert limiter.allow_request(request_from("10.0.0.1"))


def test_the_previous_window_counts_for_the_part_the_sliding_window_still_covers():
    limiter, clock = throttle("4/m", at=6000.0)
    assert all(limiter.allow_request(request_from("10.0.0.1")) for _ in range(4))
    clock.now = 6060.0 + 15  # a quarter into the next window: 4 · 0.75 = 3 still count
    assert limiter.allow_request(request_from("10.0.0.1"))  # 3 + 0 < 4
    assert not limiter.allow_request(request_from("10.0.0.1"))  # 3 + 1 = 4
    assert limiter.wait() == 1  # 4 · (1 - t/60) + 1 < 4 once t > 15 s into the window
    clock.now = 6060.0 + 16
    assert limiter.allow_request(request_from("10.0.0.1"))  # 2.93 + 1
    assert not limiter.allow_request(request_from("10.0.0.1"))  # 2.93 + 2
    assert limiter.wait() == 15  # 4 · (1 - t/60) + 2 < 4 once t > 30 s
    clock.now = 6060.0 + 31
    assert limiter.allow_request(request_from("10.0.0.1"))
    clock.now = 6180.0  # two windows on: nothing counts any more
    assert all(limiter.allow_request(request_from("10.0.0.1")) for _ in range(4))


def test_refused_requests_are_not_counted():
    limiter, clock = throttle("2/m", at=6000.0)
    for _ in range(50):
        limiter.allow_request(request_from("10.0.0.1"))
    clock.now = 6120.0
    assert limiter.allow_request(request_from("10.0.0.1"))


def test_each_client_has_its_own_count_and_a_lifted_limit_counts_nothing():
    limiter, _ = throttle("1/m", at=6000.0)
    assert limiter.allow_request(request_from("10.0.0.1"))
    assert limiter.allow_request(request_from("10.0.0.2"))
    assert not limiter.allow_request(request_from("10.0.0.1"))
    assert not limiter.allow_request(request_from("10.0.0.2"))
    lifted, _ = throttle(None, at=6000.0)
    assert all(lifted.allow_request(request_from("10.0.0.1")) for _ in range(10))


def test_anonymous_and_credential_limits_count_for_the_right_party():
    anon, _ = throttle("1/m", at=6000.0, kind=AnonThrottle)
    assert anon.allow_request(request_from("10.0.0.1"))
    assert not anon.allow_request(request_from("10.0.0.1"))
    assert anon.allow_request(request_from("10.0.0.1", auth="officer-7"))  # not anonymous: not limited
    by_credential, _ = throttle("1/m", at=6000.0, kind=AuthThrottle)
    assert by_credential.allow_request(request_from("10.0.0.1", auth="officer-7"))
    assert by_credential.allow_request(request_from("10.0.0.1", auth="officer-8"))  # same address
    assert not by_credential.allow_request(request_from("10.0.0.9", auth="officer-7"))


def test_threads_sharing_one_throttle_count_every_request_once():
    # Ninja keeps one throttle object per operation and serves requests from several threads.
    limiter, _ = throttle("1000/m", at=6000.0)
    allowed: list[bool] = []

    def client(address: str) -> None:
        for _ in range(100):
            allowed.append(limiter.allow_request(request_from(address)))

    threads = [threading.Thread(target=client, args=(f"10.0.0.{i % 2}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 800
    assert cache.get("throttle:api:10.0.0.0:100") == 400
    assert cache.get("throttle:api:10.0.0.1:100") == 400
