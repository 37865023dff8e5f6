"""Sessions: ``nox -s tests`` (the test suite), ``nox -s ablations`` (the main job), and more.

``nox -s tests`` runs the suite on TensorFlow, then the backend-specific tests
(:data:`JAX_TESTS`) again in a second pytest process with ``KERAS_BACKEND=jax``: a process
runs one Keras backend. Arguments after ``--`` go to both pytest runs (in place of ``-q``);
the inner loop is ``nox -s tests -- -m "not slow"``, which leaves out the tests marked
``slow`` (they train real models in worker pools or on a Dask cluster).

Virtual environments are built by uv with compiled bytecode (measured here: ``import keras``
took 17 s from a venv without it, 7 s with) and reused between runs.
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]

INSTALL_ENV = {"UV_COMPILE_BYTECODE": "1"}
RUN_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow")}
# Tests whose subject depends on the Keras backend (the gradient probe has one path per backend).
JAX_TESTS = ["tests/test_probes.py", "tests/test_checkpoints.py", "tests/test_fused.py"]


def install(session: nox.Session, extras: str = "test") -> None:
    session.install("-e", f".[{extras}]", env=INSTALL_ENV)


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (CPU, no internet), then the backend-specific tests on JAX."""
    install(session)
    args = session.posargs or ["-q"]
    session.run("pytest", *args, env=RUN_ENV)
    session.run("pytest", *args, *JAX_TESTS, env={**RUN_ENV, "KERAS_BACKEND": "jax"})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (lint and format), mypy over ablations/, the import contracts (three layers, no
    cycles) and the import graph's depth (no circle, type-only imports included; at most 8
    modules from the CLI down to the lowest)."""
    install(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("lint-imports")
    session.run("python", "bench/import_graph.py", "--max-chain", "8")


@nox.session
def ablations(session: nox.Session) -> None:
    """Every shipped matrix on the default profile, then the reports."""
    install(session)
    profile = session.posargs[0] if session.posargs else "default"
    jobs = ["--jobs", "auto"]  # one worker process per core for trial matrices; searches run in this process
    session.run("ablations", "run", "all", "--profile", profile, *jobs, env=RUN_ENV, success_codes=[0, 1])
    session.run("ablations", "report", "all", "--profile", profile, env=RUN_ENV)


@nox.session
def reports(session: nox.Session) -> None:
    """Regenerate reports/ from stored results only (no training)."""
    install(session)
    session.run("ablations", "report", "all", "--profile", "default", env=RUN_ENV)


@nox.session
def smoke(session: nox.Session) -> None:
    """CI: the smoke profile of every matrix into a fresh temp store, its reports, and the check."""
    install(session)
    tmp = session.create_tmp()
    runs, reports = os.path.join(tmp, "smoke-runs"), os.path.join(tmp, "smoke-reports")
    shutil.rmtree(runs, ignore_errors=True)
    common = ["--profile", "smoke", "--runs-dir", runs]
    session.run("ablations", "run", *common, "--quiet", env=RUN_ENV)
    session.run("ablations", "report", *common, "--out", reports, env=RUN_ENV)
    session.run(
        "ablations",
        "check",
        *common,
        "--baseline",
        "bench/baselines/smoke.json",
        "--junit-xml",
        os.path.join(tmp, "smoke-check.xml"),
        env=RUN_ENV,
    )


@nox.session
def gate(session: nox.Session) -> None:
    """Prove the regression gate: injected faults must fail ``ablations check``, harmless reruns pass.

    Writes reports/gate.md (the detection table); exits 1 if a fault went undetected or a
    harmless rerun raised an alarm.
    """
    install(session)
    session.run("python", "bench/gate.py", *session.posargs, env=RUN_ENV)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks of the suite itself (bench/); results saved to .benchmarks/bench.json."""
    install(session)
    os.makedirs(".benchmarks", exist_ok=True)
    session.run(
        "pytest",
        "bench",
        "-p",
        "no:cacheprovider",
        "--benchmark-json=.benchmarks/bench.json",
        *session.posargs,
        env=RUN_ENV,
    )
