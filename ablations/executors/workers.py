"""What every worker process does before its first trial, and the trials it cannot run.

A Keras backend is fixed when Keras is first imported, so a worker is set up for one
``(backend, device)`` group: ``KERAS_BACKEND`` first, then thread limits, so N workers on N cores
do not each start one thread per core and fight over them. Nothing here imports the executors
above it: they build on these helpers.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import random
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ablations.status import Status
from ablations.store import ResultStore
from ablations.trial import TrialConfig

log = logging.getLogger(__name__)

OnResult = Callable[[dict[str, Any]], None]
Group = tuple[str, str]  # (backend, device)
BACKEND_PACKAGES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "keras-ablations[torch]"}
BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")
# Start-up lines TensorFlow's native code writes straight to file descriptor 2 while it is
# imported, before absl logging is initialised, so TF_CPP_MIN_LOG_LEVEL does not reach them
# (measured with TF 2.21: "oneDNN custom operations are on" twice, each after absl's warning).
# Absl/glog INFO lines ("I0000 00:00:...") and absl's warning are dropped; anything else printed
# during the import (a W/E line, a Python warning) is passed on.
STARTUP_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+\] )"
)


def execute_one(trial: TrialConfig, store: ResultStore, artifacts_dir: Path) -> dict[str, Any] | None:
    """Claim, run, store atomically, release. None if another process holds the trial.

    Runs where the trial runs (this process or a worker). Whether to start a trial at all after
    a stop was asked for is decided by whoever hands out the trials, in the parent process.
    """
    from ablations.runner import run_trial

    if not store.claim(trial.trial_id):
        return None
    try:
        record = run_trial(trial, artifacts_dir=artifacts_dir)
        store.put(record)
        return record
    finally:
        store.release(trial.trial_id)


def execute_group(trials: Sequence[TrialConfig], store: ResultStore, artifacts_dir: Path) -> list[dict[str, Any]]:
    """A fused group as one task: claim each trial, train the claimed ones together, store, release.

    A trial another process holds (or already stored) is left out; the group trains the rest
    (each slot's bits do not depend on its neighbours at a fixed slot width). Each record is
    stored atomically when the group ends, so a kill mid-group leaves every member unstored,
    and a rerun trains them again and gets the same bits.
    """
    from ablations.fused.trainer import run_group

    claimed = [trial for trial in trials if store.claim(trial.trial_id)]
    try:
        if not claimed:
            return []
        records = run_group(claimed, artifacts_dir=artifacts_dir)
        for record in records:
            store.put(record)
        return records
    finally:
        for trial in claimed:
            store.release(trial.trial_id)


def execute_task(task: Sequence[TrialConfig], store: ResultStore, artifacts_dir: Path) -> list[dict[str, Any]]:
    """One unit of work from :func:`plan_tasks`: a fused group, or one trial that trains with fit."""
    if len(task) == 1 and task[0].settings.get("trainer") != "fused":
        record = execute_one(task[0], store, artifacts_dir)
        return [] if record is None else [record]
    return execute_group(task, store, artifacts_dir)


def plan_tasks(trials: Sequence[TrialConfig], *, max_group: int | None = None) -> list[list[TrialConfig]]:
    """The trials as tasks: fused groups (``ablations.fused.plan_groups``) and single fit trials.

    Tasks keep the order of their first trial in ``trials``. ``max_group`` (a run option, not
    part of any trial's id) caps a fused group; default ``DEFAULT_MAX_GROUP``.
    """
    from ablations.fused.groups import DEFAULT_MAX_GROUP, plan_groups

    groups, alone = plan_groups(list(trials), max_size=max_group or DEFAULT_MAX_GROUP)
    position = {trial.trial_id: i for i, trial in enumerate(trials)}
    tasks = [list(group) for group in groups] + [[trial] for trial in alone]
    return sorted(tasks, key=lambda task: min(position[t.trial_id] for t in task))


def group_trials(trials: Sequence[TrialConfig]) -> dict[Group, list[TrialConfig]]:
    """Trials by (backend, device), each group in the order given."""
    groups: dict[Group, list[TrialConfig]] = {}
    for trial in trials:
        groups.setdefault((trial.backend, trial.settings["device"]), []).append(trial)
    return groups


def unavailable_reason(backend: str) -> str | None:
    """Why this machine cannot run ``backend`` (without importing it), or None."""
    module = BACKEND_MODULES.get(backend, backend)
    if importlib.util.find_spec(module) is None:
        return f"backend {backend} is not installed here (pip install {BACKEND_PACKAGES.get(backend, backend)})"
    return None


def process_backend() -> str:
    """The Keras backend of this process, without importing Keras when it is not imported yet.

    ``KERAS_BACKEND`` takes precedence over Keras' config file, and the CLI always sets it.
    """
    if "keras" in sys.modules:
        return str(sys.modules["keras"].backend.backend())
    if "KERAS_BACKEND" in os.environ:
        return os.environ["KERAS_BACKEND"]
    import keras

    return str(keras.backend.backend())


def threads_per_worker(jobs: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def worker_environment(backend: str, threads: int) -> dict[str, str]:
    """Environment for a worker process, set before anything imports Keras or NumPy.

    JAX: XLA's CPU client sizes its intra-op thread pool from ``NPROC`` (measured with jax
    0.10.2 on this machine: 15 threads with NPROC=1, 29 with 8, 45 with 16; the old
    ``intra_op_parallelism_threads`` in ``XLA_FLAGS`` changed nothing). One thread per worker
    also turns off Eigen's multi-threading inside XLA ops.
    """
    env = {name: str(threads) for name in THREAD_ENV}
    env["KERAS_BACKEND"] = backend
    env["TF_NUM_INTEROP_THREADS"] = "1"
    env["NPROC"] = str(threads)
    xla_flags = os.environ.get("XLA_FLAGS", "")
    if threads == 1 and "xla_cpu_multi_thread_eigen" not in xla_flags:
        xla_flags = f"{xla_flags} --xla_cpu_multi_thread_eigen=false".strip()
    if xla_flags:
        env["XLA_FLAGS"] = xla_flags
    env["TF_CPP_MIN_LOG_LEVEL"] = os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


@contextlib.contextmanager
def filtered_native_stderr() -> Iterator[None]:
    """Send file descriptor 2 to a temporary file meanwhile; pass on all but :data:`STARTUP_NOISE`.

    Works at the descriptor level because the framework's native code writes there directly.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [
                line
                for line in captured.read().decode(errors="replace").splitlines(keepends=True)
                if not STARTUP_NOISE.match(line)
            ]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def import_framework() -> None:
    """Import Keras (and so its backend's framework) once, without the framework's start-up lines."""
    if "keras" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with filtered_native_stderr():
        import keras  # noqa: F401

        # keras.utils.set_random_seed imports TensorFlow, where installed, on every backend
        # (to seed tf.random too): import it here, so its start-up lines are filtered as well.
        if importlib.util.find_spec("tensorflow") is not None:
            import tensorflow  # noqa: F401


_configured: tuple[str, int] | None = None


def configure_worker(backend: str, threads: int) -> None:
    """Process-pool initializer (and Dask worker-plugin body): backend, threads, one import.

    Importing Keras here, once per worker, keeps the ~7 s framework import out of every trial.
    Idempotent: a Dask worker calls it before each task, and only the first call does work.
    """
    global _configured
    if _configured == (backend, threads):
        return
    _configured = (backend, threads)
    os.environ.update(worker_environment(backend, threads))
    from ablations.plugins import load_plugins

    import_framework()
    load_plugins()  # ABLATIONS_PLUGINS is inherited: a worker knows the parent's models and data sets
    import keras

    if keras.backend.backend() != backend:
        log.warning("worker already runs Keras on %s; its %s trials will be skipped", keras.backend.backend(), backend)
        return
    if backend == "tensorflow":
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # the runtime already started in this process: keep its pools
            log.warning("TensorFlow was initialised before the thread limits could be set")
    elif backend == "torch":
        import torch

        torch.set_num_threads(threads)


def skipped_record(trial: TrialConfig, reason: str) -> dict[str, Any]:
    from ablations.runner import base_record, utc_now

    record = base_record(trial)
    record.update(status=Status.SKIPPED, reason=reason, wall_s=0.0, finished_at=utc_now())
    return record


def skip_group(group: Sequence[TrialConfig], reason: str, *, store: ResultStore, on_result: OnResult) -> None:
    """Store every trial of a group whose backend cannot run here as ``skipped``, with why."""
    for trial in group:
        on_result(store_outcome(trial, store, skipped_record(trial, reason)))


def store_outcome(trial: TrialConfig, store: ResultStore, record: dict[str, Any]) -> dict[str, Any]:
    """Store a record made outside ``run_trial`` (skipped, worker died) under a claim.

    A dead worker's claim is stale and taken over here. If a live process holds the claim
    (or a claim of another host), the record is returned unstored: that process owns the trial.
    """
    if not store.claim(trial.trial_id):
        log.warning(
            "trial %s is claimed by another process; its %s outcome is not stored", trial.trial_id, record["status"]
        )
        return record
    try:
        store.put(record)
    finally:
        store.release(trial.trial_id)
    return record


def worker_died_record(trial: TrialConfig, detail: str) -> dict[str, Any]:
    from ablations.runner import base_record, utc_now

    record = base_record(trial)
    record.update(
        status=Status.FAILED,
        reason="worker died",
        error={"type": "WorkerDied", "message": detail, "traceback": None},
        wall_s=None,
        finished_at=utc_now(),
    )
    return record


class _ThreadRandom(threading.local):
    def __init__(self) -> None:
        self.rng = random.Random()


_THREAD_RANDOM: _ThreadRandom | None = None
_RANDOM_FUNCTIONS = (
    "seed",
    "random",
    "randint",
    "randrange",
    "getrandbits",
    "choice",
    "choices",
    "shuffle",
    "sample",
    "uniform",
    "gauss",
    "normalvariate",
    "getstate",
    "setstate",
)


def thread_local_python_random() -> None:
    """Give each thread of this process its own ``random`` module state.

    Keras draws every unseeded layer's seed from Python's global ``random`` (seeded by
    ``keras.utils.set_random_seed``). On a Dask worker the trial runs in a task thread while
    the worker's event loop also draws from ``random`` (heartbeat jitter, peer choice), which
    shifts the trial's seeds. With per-thread state the trial's draws depend on its seed only.
    Kept because it is needed: without it, ``test_dask_reproduces_inline_exactly`` failed 3 runs
    out of 3 (2026-11-30, 2 cores); with it, it passes. Only Dask workers call this.
    """
    global _THREAD_RANDOM
    if _THREAD_RANDOM is not None:
        return
    _THREAD_RANDOM = _ThreadRandom()
    for name in _RANDOM_FUNCTIONS:
        setattr(random, name, lambda *a, _name=name, **k: getattr(_THREAD_RANDOM.rng, _name)(*a, **k))


def run_task_in_worker(
    task: Sequence[TrialConfig], store: ResultStore, artifacts_dir: Any, threads: int
) -> list[dict[str, Any]]:
    """One task of :func:`plan_tasks` on a worker set up elsewhere (a Dask worker)."""
    reason = unavailable_reason(task[0].backend)
    if reason is not None:
        return [store_outcome(t, store, skipped_record(t, f"{reason} (worker {os.getpid()})")) for t in task]
    thread_local_python_random()
    configure_worker(task[0].backend, threads)
    return execute_task(task, store, artifacts_dir)
