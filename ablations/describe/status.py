"""The one list of trial statuses (a record's ``status``) and what each implies.

A ``StrEnum``, so a status compares equal to its string in stored JSON (``"ok"``) and
records written before the enum need no migration.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OK = "ok"  # trained to the end (or early-stopped) with finite metrics
    DIVERGED = "diverged"  # loss or a metric became NaN or infinite: a result, not an error
    FAILED = "failed"  # the trial raised (``reason``, ``error.traceback``) or its worker died
    TIMEOUT = "timeout"  # ran past ``time_limit_s``; metrics up to then are kept
    SKIPPED = "skipped"  # could not run here (backend not installed, no GPU); ``reason`` says why
    KILLED = "killed"  # shown for a trial whose run died mid-trial; never stored by a worker

    @property
    def is_final(self) -> bool:
        """Stored and not rerun unless ``--force`` (``--retry-failed`` for the retryable)."""
        return self in FINAL

    @property
    def is_retryable(self) -> bool:
        return self in RETRYABLE

    @property
    def is_problem(self) -> bool:
        """Counted under *problems* in reports and makes ``ablations run`` exit 1."""
        return self in (Status.FAILED, Status.TIMEOUT)


FINAL = frozenset({Status.OK, Status.DIVERGED, Status.FAILED, Status.TIMEOUT})
RETRYABLE = frozenset({Status.FAILED, Status.TIMEOUT})
# A trial that produced metrics: what verify reruns and what reports average.
FINISHED = frozenset({Status.OK, Status.DIVERGED})

__all__ = ["FINAL", "FINISHED", "RETRYABLE", "Status"]
