"""The ``ablations`` command: thin adapters over the library's functions.

Exit codes: 0 success, 1 some trial failed or timed out (or a check found a regression),
2 bad input (the one-line message names the file and field).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ablations.catalog import resolve_matrices
from ablations.registry import UnknownNameError
from ablations.spec import DEFAULT_PROFILE, MatrixError


def _add_common(parser: argparse.ArgumentParser, *, many: bool = True) -> None:
    parser.add_argument(
        "matrices", nargs="*" if many else 1, metavar="MATRIX",
        help="matrix names (shipped in ablations/matrices) or .toml paths; none = all",
    )
    parser.add_argument("--profile", "-p", default=DEFAULT_PROFILE, help="smoke, default, full, ...")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"), help="result store (default: runs/)")


def cmd_list(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    rows = []
    for matrix in resolve_matrices(args.matrices):
        if matrix.spec.kind == "search":
            from ablations.search.records import list_row

            rows.append(list_row(matrix))
            continue
        counts = []
        for profile in matrix.profile_names():
            trials = matrix.trials(profile)
            cells = len({t.cell_id for t in trials})
            counts.append(f"{profile}: {cells} cells / {len(trials)} trials")
        rows.append([matrix.name, "; ".join(counts), matrix.spec.description.strip().split("\n")[0][:70]])
    print(tabulate(rows, headers=["matrix", "profiles", "description"], tablefmt="github"))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from ablations.store import ResultStore

    for matrix in resolve_matrices(args.matrices):
        if matrix.spec.kind == "search":
            from ablations.search.records import show_search_matrix

            print(show_search_matrix(matrix, args.profile, args.runs_dir))
            continue
        store = ResultStore(args.runs_dir, matrix.name)
        trials = matrix.trials(args.profile)
        axes = list(matrix.profile(args.profile).axes)
        rows = []
        for trial in trials:
            record = store.get(trial.trial_id)
            status = record["status"] if record else "-"
            rows.append([trial.trial_id, *(trial.cell.get(a, "-") for a in axes), trial.seed, status])
        print(f"# {matrix.name} [{args.profile}]: {len(trials)} trials")
        print(tabulate(rows, headers=["trial", *axes, "seed", "status"], tablefmt="github"))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from ablations.execute import run_matrix

    matrices = resolve_matrices(args.matrices)  # validate every file before running any
    problems = 0
    for matrix in matrices:
        try:
            summary = run_matrix(
                matrix, args.profile, runs_dir=args.runs_dir, executor=args.executor, jobs=args.jobs,
                force=args.force, retry_failed=args.retry_failed, quiet=args.quiet,
                search_storage=args.storage,
            )
        except KeyboardInterrupt:
            print(f"{matrix.name}: interrupted; finished trials are stored, rerun to resume", file=sys.stderr)
            return 130
        print(summary.line())
        for line in summary.failures:
            print(f"  {line}")
        problems += summary.problems
    return 1 if problems else 0


def cmd_report(args: argparse.Namespace) -> int:
    from ablations.reporting.pages import write_matrix_report

    for matrix in resolve_matrices(args.matrices):
        path = write_matrix_report(matrix, args.profile, args.runs_dir, args.out)
        print(f"wrote {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ablations", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="matrices and their cells per profile")
    p.add_argument("matrices", nargs="*", metavar="MATRIX")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="the expanded trials of a matrix profile, with stored status")
    _add_common(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("run", help="run the trials that have no stored result yet")
    _add_common(p)
    p.add_argument("--executor", "-e", default="inline", help="inline, process, dask")
    p.add_argument("--jobs", "-j", type=int, default=1, help="worker processes")
    p.add_argument("--force", action="store_true", help="rerun trials that are already stored")
    p.add_argument("--retry-failed", action="store_true", help="also rerun failed and timed-out trials")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar (CI)")
    p.add_argument(
        "--storage", default=None,
        help="search matrices: an Optuna storage URL that several workers share (default: SQLite in the runs dir)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("report", help="write reports/<matrix>.md from stored results")
    _add_common(p)
    p.add_argument("--out", type=Path, default=Path("reports"))
    p.set_defaults(func=cmd_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    # The backend is fixed when Keras is first imported: TensorFlow unless the user chose.
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (MatrixError, UnknownNameError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
