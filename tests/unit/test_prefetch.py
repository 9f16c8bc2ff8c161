"""Units built ahead on a thread: same order, errors raised where the units are taken."""

from __future__ import annotations

import itertools

import pytest

from attentive_nb.send.prefetch import Prefetched


def test_the_units_come_in_order():
    chunks = [[1, 2], [3], [], [4, 5, 6]]
    assert list(Prefetched(chunks)) == [1, 2, 3, 4, 5, 6]


def test_an_error_while_building_is_raised_where_the_units_are_taken():
    def chunks():
        yield [1]
        raise ValueError("a payload could not be built")

    units = iter(Prefetched(chunks()))
    assert next(units) == 1
    with pytest.raises(ValueError, match="could not be built"):
        next(units)


def test_closing_stops_the_builder_of_an_endless_plan():
    endless = ([n] for n in itertools.count())
    ahead = Prefetched(endless)
    assert list(itertools.islice(ahead, 3)) == [0, 1, 2]
    ahead.close()
    ahead._thread.join(timeout=5)
    assert not ahead._thread.is_alive()


def test_take_gives_what_is_built_and_waits_only_when_nothing_is():
    import threading

    second = threading.Event()

    def chunks():
        yield [1, 2, 3]
        second.wait(timeout=10)  # the second list is built only once the first was taken
        yield [4, 5]

    ahead = Prefetched(chunks())
    assert ahead.take(100) == [1, 2, 3]  # not waiting for 100 units
    second.set()
    assert ahead.take(1) == [4]
    assert ahead.take(100) == [5]
    assert ahead.take(100) == []
