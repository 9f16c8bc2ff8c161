"""Hashes64: what a streamed run keeps of each person across chunks stays a few bytes."""

import numpy as np

from attentive_nb.plan.hashes import Hashes64


def test_a_person_costs_twelve_bytes_with_a_small_row_position() -> None:
    held = Hashes64(width=1, small=True)
    rng = np.random.default_rng(0)
    for start in range(0, 200_000, 25_000):  # added a chunk at a time, as a stream does
        keys = rng.integers(0, 2**63, 25_000, dtype=np.uint64)
        held.add(keys, np.arange(start, start + 25_000).reshape(-1, 1))
    assert len(held) == 200_000
    assert held.nbytes == 200_000 * (8 + 4)  # no Python object, no copy kept per key


def test_a_set_costs_eight_bytes_a_key() -> None:
    held = Hashes64()
    held.add(np.arange(10_000, dtype=np.uint64))
    held.add(np.arange(5_000, 15_000, dtype=np.uint64))  # half held already
    assert len(held) == 15_000
    assert held.nbytes == 15_000 * 8
