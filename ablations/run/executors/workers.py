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
import multiprocessing
import os
import random
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from ablations.describe.status import Status
from ablations.describe.trial import TrialConfig
from ablations.run.lifecycle import train_and_store
from ablations.run.store import ResultStore

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


# Set by the CLI's SIGINT/SIGTERM handler, in the process that hands out the trials. The
# KeyboardInterrupt that handler raises can be swallowed when it lands inside framework code that
# ignores exceptions (seen with SIGTERM during a TensorFlow call), so every executor also checks
# this before it starts or submits another trial. Workers never see it: a stop is the parent's.
STOP_REQUESTED = threading.Event()

# How often a parent waiting on its workers looks at STOP_REQUESTED (seconds).
STOP_POLL_S = 0.5


def stop_if_requested() -> None:
    """Raise KeyboardInterrupt once a stop was asked for, before the next trial starts."""
    if STOP_REQUESTED.is_set():
        raise KeyboardInterrupt


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
    """Import Keras (and so its backend's framework) once, without the framework's start-up lines;
    on JAX, turn on the persistent compilation cache (:mod:`ablations.run.compile_cache`)."""
    if "keras" not in sys.modules:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with filtered_native_stderr():
            # On TensorFlow this imports it, so its start-up lines are filtered too; off it nothing
            # imports TensorFlow (seeding leaves its seed out: 3 s to import on 2 cores).
            import keras
    import keras

    if keras.backend.backend() == "jax":
        from ablations.run.compile_cache import enable_compile_cache

        enable_compile_cache()


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
    from ablations.describe.plugins import load_plugins

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
    from ablations.run.trial_record import base_record, utc_now

    record = base_record(trial)
    record.update(status=Status.SKIPPED, reason=reason, wall_s=0.0, finished_at=utc_now())
    return record


def skip_group(group: Sequence[TrialConfig], reason: str, *, store: ResultStore, on_result: OnResult) -> None:
    """Store every trial of a group whose backend cannot run here as ``skipped``, with why."""
    for trial in group:
        on_result(store_outcome(trial, store, skipped_record(trial, reason)))


def store_outcome(trial: TrialConfig, store: ResultStore, record: dict[str, Any]) -> dict[str, Any]:
    """Store a record made outside ``train_trial`` (skipped, worker died) under a claim.

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
    from ablations.run.trial_record import base_record, utc_now

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


def train_task_in_worker(
    task: Sequence[TrialConfig], store: ResultStore, artifacts_dir: Any, threads: int
) -> list[dict[str, Any]]:
    """One task of :func:`~ablations.run.fused.groups.plan_tasks` on a worker set up elsewhere (a Dask worker)."""
    reason = unavailable_reason(task[0].backend)
    if reason is not None:
        return [store_outcome(t, store, skipped_record(t, f"{reason} (worker {os.getpid()})")) for t in task]
    thread_local_python_random()
    configure_worker(task[0].backend, threads)
    return train_and_store(task, store, artifacts_dir)


def worker_context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def worker_pool(backend: str, workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes set up for ``backend`` (shared with ``ablations verify``)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=worker_context(),
        initializer=configure_worker,
        initargs=(backend, threads_per_worker(workers)),
    )
