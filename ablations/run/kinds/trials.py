"""Kind ``trials``: the Cartesian product of the axes (less excluded cells), seeds innermost.

Each trial is stored under its content hash; a run hands the trials without a stored result to
an executor, and reports read one record per trial (a placeholder for one not finished).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ablations.describe.errors import MatrixError
from ablations.describe.kinds import Matrix, MatrixKind, Profile, description_line
from ablations.describe.run_summary import RunRequest, RunSummary
from ablations.describe.status import Status
from ablations.describe.trial import TrialConfig
from ablations.run.store import ResultStore


def pending_trials(
    trials: list[TrialConfig], store: ResultStore, *, force: bool, retry_failed: bool
) -> list[TrialConfig]:
    """The trials to run: those without a final stored result (all of them with ``force``)."""
    if force:
        return trials
    return [t for t in trials if not store.is_done(t.trial_id, retry_failed=retry_failed)]


class TrialsKind(MatrixKind):
    name = "trials"

    def check_file(self, matrix: Matrix) -> None:
        spec = matrix.spec
        if spec.search is not None or any(p.search is not None for p in spec.profiles.values()):
            raise MatrixError(matrix.path, "search", 'a [search] table needs kind = "search"')

    def check_profile(self, matrix: Matrix, profile: Profile) -> None:
        self.trials(matrix, profile)

    def trials(self, matrix: Matrix, profile: Profile) -> list[TrialConfig]:
        from ablations.describe.datasets import DATASETS

        trials = []
        for labels, values in matrix.cells(profile):
            settings = matrix.resolve(profile, labels, values)
            version = DATASETS[settings["dataset"]].version
            for seed in profile.seeds:
                trials.append(TrialConfig(matrix.name, labels, settings, seed, version))
        return trials

    def list_row(self, matrix: Matrix) -> list[str]:
        counts = []
        for profile in matrix.profile_names():
            trials = matrix.trials(profile)
            cells = len({t.cell_id for t in trials})
            counts.append(f"{profile}: {cells} cells / {len(trials)} trials")
        return [matrix.name, "; ".join(counts), description_line(matrix)]

    def show(self, matrix: Matrix, profile: str, runs_dir: Path) -> str:
        from tabulate import tabulate

        store = ResultStore(runs_dir, matrix.name)
        trials = matrix.trials(profile)
        axes = list(matrix.profile(profile).axes)
        rows = []
        for trial in trials:
            record = store.get(trial.trial_id)
            status = record["status"] if record else (store.unfinished(trial.trial_id) or ("-",))[0]
            rows.append([trial.trial_id, *(trial.cell.get(a, "-") for a in axes), trial.seed, status])
        table = tabulate(rows, headers=["trial", *axes, "seed", "status"], tablefmt="github")
        return f"# {matrix.name} [{profile}]: {len(trials)} trials\n{table}"

    def run(self, matrix: Matrix, profile: str, request: RunRequest) -> RunSummary:
        """Run every trial of ``profile`` that has no stored result yet (all with ``force``)."""
        from tqdm.auto import tqdm

        from ablations.run.executors import EXECUTORS

        trials = self.trials(matrix, matrix.profile(profile))  # not matrix.trials: no call back into the matrix
        store = ResultStore(request.runs_dir, matrix.name)
        todo = pending_trials(trials, store, force=request.force, retry_failed=request.retry_failed)
        summary = RunSummary(matrix.name, profile, len(trials), len(trials) - len(todo))
        started = time.perf_counter()
        bar = tqdm(total=len(todo), desc=f"{matrix.name}[{profile}]", unit="trial", disable=request.quiet or not todo)

        def on_result(record: dict[str, Any]) -> None:
            summary.ran += 1
            summary.statuses[record["status"]] += 1
            if record["status"] in (Status.FAILED, Status.TIMEOUT):
                summary.failures.append(f"{record['trial_id']} {record['status']}: {record.get('reason')}")
            bar.set_postfix_str(f"{record['status']}: {TrialConfig.from_dict(record).label}"[:80])
            bar.update(1)

        executor = EXECUTORS.get(request.executor)(jobs=request.jobs, **(request.executor_options or {}))
        try:
            executor.run(todo, store=store, artifacts_dir=request.runs_dir / matrix.name, on_result=on_result)
        finally:
            bar.close()
            summary.wall_s = time.perf_counter() - started
        return summary

    def records(self, matrix: Matrix, profile: str, runs_dir: Path) -> tuple[list[Any], list[dict[str, Any]]]:
        """The profile's trials and, for each, its stored record or a placeholder.

        The placeholder's status is ``missing`` (never started), ``running`` or ``killed``
        (started, no record: its run died or was interrupted), so a report never hides an
        unfinished trial.
        """
        store = ResultStore(runs_dir, matrix.name)
        trials = matrix.trials(profile)
        records = []
        attempted = {a["trial_id"] for a in store.attempts()}
        for trial in trials:
            record = store.get(trial.trial_id)
            if record is None:
                status, reason = store.unfinished(trial.trial_id, attempted=attempted) or ("missing", "not run yet")
                record = {**trial.to_dict(), "status": status, "reason": reason}
            records.append(record)
        return trials, records


TRIALS = TrialsKind()
