"""The de-duplication helpers of the batch path give exactly numpy's answers (they only avoid its sort)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nanchang_incentives import csvio
from nanchang_incentives.batch_output import _distinct_rows


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5000), st.integers(1, 200), st.integers(0, 2**32))
def test_unique_inverse_is_np_unique(n, distinct, seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 2**63, distinct, dtype=np.uint64)
    keys = values[rng.integers(0, distinct, n)] if n else np.zeros(0, np.uint64)
    if n > 10:  # a value the evenly spread sample may miss: one key, somewhere
        keys[rng.integers(0, n)] = np.uint64(rng.integers(0, 2**63))
    u, inv = csvio.unique_inverse(keys)
    want_u, want_inv = np.unique(keys, return_inverse=True)
    assert u.tolist() == want_u.tolist()
    assert inv.tolist() == want_inv.reshape(-1).tolist()


def test_unique_inverse_takes_the_fast_path_only_when_every_key_is_in_the_sample():
    keys = np.array([5, 9] * 2000, dtype=np.uint64)
    keys[1] = 7  # not in the sample of every 15th key
    u, inv = csvio.unique_inverse(keys)
    assert u.tolist() == [5, 7, 9] and inv[:4].tolist() == [0, 1, 0, 2]


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 30), st.integers(1, 12), st.integers(0, 2**32))
def test_distinct_rows_groups_equal_rows(n, distinct, width, seed):
    rng = np.random.default_rng(seed)
    rows = rng.integers(-1, 9, (distinct, width)).astype(np.int16)
    key = rows[rng.integers(0, distinct, n)]
    first, inverse = _distinct_rows(key)
    assert (key[first][inverse] == key).all()  # each row is its representative
    assert len(first) == len(np.unique(key, axis=0))  # and equal rows share one


def _lines(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """n zero-padded byte lines of up to ``width`` bytes, each ending in a newline."""
    m = np.zeros((n, width + 1), np.uint8)
    for i in range(n):
        text = rng.integers(33, 127, rng.integers(0, width + 1), dtype=np.uint8)
        at = np.sort(rng.choice(width, len(text), replace=False))  # content with padding in between
        m[i, at] = text
        m[i, width] = 10
    return m


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(0, 40), st.integers(0, 2**32), st.booleans())
def test_merging_the_lines_of_several_runs_keeps_output_order(runs, companies, seed, regular):
    """Output._merge: lines in the order of their positions, whether every company has a line of each run (the
    rows side by side) or not (one matrix padded to the widest run)."""
    from nanchang_incentives.batch_output import Output

    rng = np.random.default_rng(seed)
    owner = np.tile(np.arange(runs), companies)  # the run of each output line
    if not regular and len(owner):
        owner = owner[rng.random(len(owner)) < 0.7]  # some companies lack some runs' lines
    n = len(owner)
    pieces = [(np.flatnonzero(owner == e), _lines(rng, int((owner == e).sum()), int(rng.integers(1, 30))))
              for e in range(runs)]
    pieces = [(sel, m) for sel, m in pieces if len(sel)]
    if not pieces:
        return
    want: list[bytes] = [b""] * n
    for sel, m in pieces:
        for i, row in zip(sel.tolist(), m):
            want[i] = row.tobytes().replace(b"\0", b"")
    assert Output._merge(pieces, n) == b"".join(want)
