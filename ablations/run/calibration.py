"""A fixed CPU workload timed once per process, so trial time can be stored as a ratio.

Absolute seconds say more about the machine and its neighbours than about the code; the ratio
of a trial's epoch time to this workload, measured in the same process, travels between
machines (roughly) and is what ``ablations check`` compares.
"""

from __future__ import annotations

import functools
import time

import numpy as np

SIZE = 128
REPEATS = 500


@functools.lru_cache(maxsize=1)
def calibration_s() -> float:
    """Seconds for ``REPEATS`` float32 matmuls of ``SIZE`` x ``SIZE`` on one BLAS thread; best of 5.

    One thread, because the backend's own thread pools (already started in a worker) make a
    multi-threaded measurement swing by an order of magnitude; the minimum is the least noisy.
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.standard_normal((SIZE, SIZE), dtype=np.float32)
    b = rng.standard_normal((SIZE, SIZE), dtype=np.float32)
    best = float("inf")
    with threadpool_limits(limits=1):
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(REPEATS):
                a @ b
            best = min(best, time.perf_counter() - start)
    return best


def time_ratio(record: dict) -> float | None:
    """Steady epoch time (first epoch if only one ran) over the record's calibration time."""
    calibration = record.get("calibration_s")
    timing = record.get("timing") or {}
    epoch = timing.get("steady_epoch_s") or timing.get("first_epoch_s")
    if not isinstance(calibration, (int, float)) or not isinstance(epoch, (int, float)) or calibration <= 0:
        return None
    return float(epoch) / float(calibration)
