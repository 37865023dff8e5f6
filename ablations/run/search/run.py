"""Run every search of a search matrix profile, resuming each where it stopped."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ablations.describe.errors import MatrixError
from ablations.describe.run_summary import RunSummary
from ablations.describe.status import Status
from ablations.describe.strategies import STRATEGIES
from ablations.run.executors.workers import process_backend, unavailable_reason, worker_pool
from ablations.run.search.objective import core_objective
from ablations.run.search.plan import RECORD_DIR, SearchConfig, searches
from ablations.run.search.session import SearchSession, SearchStopped, open_storage
from ablations.run.store import ResultStore

STORAGE_FILE = "search.db"


def default_storage(runs_dir: Path, matrix: str) -> str:
    """The embedded database: ``runs/<matrix>/search.db`` (SQLite)."""
    path = (Path(runs_dir) / matrix / STORAGE_FILE).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def open_session(
    search: SearchConfig, *, runs_dir: Path, storage: Any, objective: Any = core_objective
) -> SearchSession:
    return SearchSession(
        search,
        storage=storage,
        objective=objective,
        store=ResultStore(runs_dir, search.matrix),
        artifacts_dir=Path(runs_dir) / search.matrix,
        record_dir=Path(runs_dir) / search.matrix / RECORD_DIR,
    )


def run_search(
    search: SearchConfig, *, runs_dir: Path, storage: Any, objective: Any = core_objective
) -> dict[str, Any]:
    """Run (or resume) one search to its budget and return its record."""
    session = open_session(search, runs_dir=runs_dir, storage=storage, objective=objective)
    STRATEGIES.get(search.strategy)().run(session)
    return session.write_record() or session.record()


def run_search_matrix(
    matrix: Any,
    profile: str,
    *,
    runs_dir: Path,
    storage: str | None = None,
    jobs: int = 1,
    executor: str = "inline",
    force: bool = False,
    quiet: bool = False,
) -> RunSummary:
    """Run every search of ``profile``; the summary counts inner trials (budget x searches).

    A process runs one Keras backend, so the searches whose settings name another backend than
    this process's run in one worker process set up for theirs (as the executors' workers are),
    one backend after another. Several workers share the searches by each running this with the
    same ``storage`` URL (a database server); ``jobs`` and other executors do not apply to a
    search matrix.
    """
    if jobs != 1 or executor != "inline":
        raise MatrixError(
            matrix.path,
            "",
            "a search matrix runs in this process; for parallel workers start several "
            "`ablations run` processes with the same --storage URL",
        )
    if force:
        raise MatrixError(
            matrix.path, "", f"--force does not apply to searches; delete {Path(runs_dir) / matrix.name} to start over"
        )
    todo = searches(matrix, profile)
    url = storage or default_storage(runs_dir, matrix.name)
    here = process_backend()
    summary = RunSummary(matrix.name, profile, 0, 0)
    started = time.perf_counter()
    try:
        for backend in sorted({search_backend(s) for s in todo}, key=lambda b: b != here):
            if backend == here:
                part = run_searches(matrix, profile, backend, runs_dir=runs_dir, url=url, quiet=quiet)
            else:
                reason = unavailable_reason(backend)
                if reason is not None:
                    raise MatrixError(matrix.path, "", f"searches on {backend} cannot run here: {reason}")
                with worker_pool(backend, 1) as pool:
                    future = pool.submit(
                        run_searches_of_file,
                        str(matrix.path),
                        profile,
                        backend,
                        runs_dir=runs_dir,
                        url=url,
                        quiet=quiet,
                    )
                    part = future.result()
            summary.total += part.total
            summary.already_done += part.already_done
            summary.ran += part.ran
            summary.statuses.update(part.statuses)
            summary.failures += part.failures
    finally:
        summary.wall_s = time.perf_counter() - started
    return summary


def search_backend(search: SearchConfig) -> str:
    """The Keras backend a search's trials train on (part of every trial's settings)."""
    return str(search.resolved_base["backend"])


def run_searches_of_file(path: str, profile: str, backend: str, *, runs_dir: Path, url: str, quiet: bool) -> RunSummary:
    """:func:`run_searches` in a worker process: the matrix is read again from its file."""
    from ablations.describe.spec import load_matrix

    return run_searches(load_matrix(path), profile, backend, runs_dir=runs_dir, url=url, quiet=quiet)


def run_searches(matrix: Any, profile: str, backend: str, *, runs_dir: Path, url: str, quiet: bool) -> RunSummary:
    """Run (or resume) the searches of ``profile`` whose trials train on ``backend``, in this process."""
    from tqdm.auto import tqdm

    todo = [s for s in searches(matrix, profile) if search_backend(s) == backend]
    opened = open_storage(url)
    budget = sum(s.table.budget for s in todo)
    sessions = [open_session(s, runs_dir=runs_dir, storage=opened) for s in todo]
    done_before = sum(min(len(s.counted()), s.budget) for s in sessions)
    summary = RunSummary(matrix.name, profile, budget, done_before)
    bar = tqdm(total=len(sessions), desc=f"{matrix.name}[{profile}]", unit="search", disable=quiet)
    try:
        for session in sessions:
            before = {t.number for t in session.counted()}
            try:
                STRATEGIES.get(session.search.strategy)().run(session)
            except SearchStopped as exc:
                raise MatrixError(matrix.path, "", f"search {session.search.label} stopped: {exc}") from None
            record = session.write_record() or session.record()
            for entry in record["trials"]:
                if entry["counted"] and entry["number"] not in before:
                    summary.ran += 1
                    summary.statuses[entry["outcome"]] += 1
                    if entry["outcome"] in (Status.FAILED, Status.TIMEOUT):
                        summary.failures.append(
                            f"{entry['trial_id']} {entry['outcome']}: {session.search.label} trial {entry['number']}"
                        )
            bar.set_postfix_str(session.search.label[:60])
            bar.update(1)
    finally:
        bar.close()
    return summary
