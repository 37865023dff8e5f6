"""A hard wall-clock limit for a whole trial, for when the soft one cannot act.

``time_limit_s`` is enforced softly by :class:`ablations.run.callbacks.TimeLimit`, which stops
``fit`` between batches and still records history and test metrics. A trial stuck *outside*
``fit`` (loading data, building, a callback or ``evaluate`` that never returns) never reaches
that check, so :func:`deadline` also arms a timer (SIGALRM) at
:func:`hard_limit_s` and raises :class:`DeadlineExceeded` in the trial when it fires. The
runner records that as ``timeout``. Signals reach only the main thread, so in worker threads
(a dask thread pool) the hard limit is not armed; process-based workers have one.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

HARD_LIMIT_FACTOR = 2.0
HARD_LIMIT_GRACE_S = 10.0


class DeadlineExceeded(Exception):
    """The trial ran past its hard limit; the message says which."""


def hard_limit_s(time_limit_s: float | None) -> float | None:
    """Twice the soft budget plus a grace for a last batch, validation and test evaluation."""
    if time_limit_s is None:
        return None
    return HARD_LIMIT_FACTOR * time_limit_s + HARD_LIMIT_GRACE_S


def can_arm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def deadline(seconds: float | None, *, what: str = "trial") -> Iterator[None]:
    """Raise :class:`DeadlineExceeded` inside the block once ``seconds`` have passed."""
    if seconds is None or not can_arm():
        yield
        return

    def fire(signum: int, frame: object) -> None:
        raise DeadlineExceeded(f"hard time limit of {seconds:g} s reached; the {what} was stopped")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
