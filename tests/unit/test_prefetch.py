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
