"""The sandbox's pure parts, without sockets: limits, fault draws, attribute types, messages."""

from __future__ import annotations

from attentive_nb.sandbox.faults import Faults
from attentive_nb.sandbox.state import State, attribute_kind
from attentive_nb.sandbox.validation import problem
from attentive_nb.sandbox.windows import WindowLimiter, scaled_limit


def test_scaled_limit_is_at_least_one():
    assert scaled_limit(10, 1) == 10 and scaled_limit(5, 0.01) == 1 and scaled_limit(150, 2) == 300


def test_window_limiter_counts_per_key_and_second():
    now = [100.2]
    limiter = WindowLimiter(lambda: now[0], scale=0.2)  # 10/s -> 2/s
    assert [limiter.take("t", "subscribe", 10).allowed for _ in range(3)] == [True, True, False]
    assert limiter.take("t", "me", 150).remaining == 29
    now[0] = 100.99
    assert not limiter.take("t", "subscribe", 10).allowed
    now[0] = 101.0
    quota = limiter.take("t", "subscribe", 10)
    assert quota.allowed and quota.remaining == 1


def test_fault_draws_repeat_with_the_seed():
    one, two = (
        Faults(error_rate=0.3, reset_rate=0.3, slow_rate=0.1, seed=5),
        Faults(error_rate=0.3, reset_rate=0.3, slow_rate=0.1, seed=5),
    )
    first = [one.draw() for _ in range(200)]
    assert first == [two.draw() for _ in range(200)]
    kinds = {fault for fault, _ in first}
    assert kinds == {None, "error:500", "error:503", "reset", "slow"}


def test_fault_delay_is_latency_plus_jitter():
    faults = Faults(latency_ms=100, jitter_ms=20, seed=1)
    delays = [faults.draw()[1] for _ in range(100)]
    assert all(0.1 <= d <= 0.12 for d in delays) and len(set(delays)) > 50


def test_attribute_kinds_follow_attentive_examples():
    assert attribute_kind("24") == "number" and attribute_kind(50.89) == "number"
    assert attribute_kind("TRUE") == "boolean" and attribute_kind(False) == "boolean"
    assert (
        attribute_kind("1986-11-16") == "date" and attribute_kind("2021-04-23T16:04:33Z") == "date"
    )
    assert attribute_kind("Minnesota Vikings") == "text"


def test_text_attribute_takes_any_string_but_number_does_not():
    state = State()
    assert state.set_attributes(["a"], {"team": "Vikings", "age": 3}) is None
    assert state.set_attributes(["a"], {"team": "42"}) is None
    assert "age" in state.set_attributes(["a"], {"age": "three"})


def test_messages_name_the_field_without_the_value():
    message = problem("subscribe", {"user": {"phone": "+1 555 SECRET"}, "signUpSourceId": "1"})
    assert message.startswith("user.phone") and "SECRET" not in message
    assert problem("subscribe", {"user": {"phone": "+13115552368"}, "signUpSourceId": "1"}) is None
    assert problem("purchase", {"items": [{}], "user": {"email": "a@b.co"}}).startswith("items[0].")
