"""Run every search of a search matrix profile, resuming each where it stopped."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ablations.errors import MatrixError
from ablations.run_summary import RunSummary
from ablations.search import STRATEGIES
from ablations.search.objective import core_objective
from ablations.search.plan import RECORD_DIR, SearchConfig, searches
from ablations.search.session import SearchSession, open_storage
from ablations.status import Status
from ablations.store import ResultStore

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

    Several workers share the searches by each running this with the same ``storage`` URL
    (a database server); ``jobs`` and other executors do not apply to a search matrix.
    """
    from tqdm.auto import tqdm

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
    opened = open_storage(url)
    budget = sum(s.table.budget for s in todo)
    started = time.perf_counter()
    sessions = [open_session(s, runs_dir=runs_dir, storage=opened) for s in todo]
    done_before = sum(min(len(s.counted()), s.budget) for s in sessions)
    summary = RunSummary(matrix.name, profile, budget, done_before)
    bar = tqdm(total=len(sessions), desc=f"{matrix.name}[{profile}]", unit="search", disable=quiet)
    try:
        for session in sessions:
            before = {t.number for t in session.counted()}
            STRATEGIES.get(session.search.strategy)().run(session)
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
        summary.wall_s = time.perf_counter() - started
    return summary
