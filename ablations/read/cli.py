"""The ``ablations`` command: thin adapters over the library's functions.

Exit codes: 0 success, 1 some trial failed or timed out (or a check found a regression),
2 bad input (the one-line message names the file and field), 130 interrupted (Ctrl-C or
SIGTERM; finished trials are stored and a rerun resumes).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from ablations.describe.errors import MatrixError
from ablations.describe.matrix_files import resolve_matrices
from ablations.describe.plugins import PluginError, load_plugins
from ablations.describe.registry import UnknownNameError
from ablations.describe.spec import DEFAULT_PROFILE


def _add_common(parser: argparse.ArgumentParser, *, many: bool = True) -> None:
    parser.add_argument(
        "matrices",
        nargs="*" if many else 1,
        metavar="MATRIX",
        help="matrix names (shipped in ablations/matrices) or .toml paths; none = all",
    )
    parser.add_argument("--profile", "-p", default=DEFAULT_PROFILE, help="smoke, default, full, ...")
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"), help="result store (default: runs/)")


def cmd_list(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    rows = [matrix.kind.list_row(matrix) for matrix in resolve_matrices(args.matrices)]
    print(tabulate(rows, headers=["matrix", "profiles", "description"], tablefmt="github"))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    for matrix in resolve_matrices(args.matrices):
        print(matrix.kind.show(matrix, args.profile, args.runs_dir))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from ablations.run.execute import run_matrix

    matrices = resolve_matrices(args.matrices)  # validate every file before running any
    problems = 0
    for matrix in matrices:
        try:
            summary = run_matrix(
                matrix,
                args.profile,
                runs_dir=args.runs_dir,
                executor=args.executor,
                jobs=args.jobs,
                force=args.force,
                retry_failed=args.retry_failed,
                quiet=args.quiet,
                executor_options={"scheduler": args.scheduler} if args.scheduler else None,
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
    from ablations.read.reporting.index import write_index
    from ablations.read.reporting.pages import write_matrix_report

    matrices = resolve_matrices(args.matrices)
    for matrix in matrices:
        path = write_matrix_report(matrix, args.profile, args.runs_dir, args.out)
        print(f"wrote {path}")
    print(f"wrote {write_index(matrices, args.profile, args.runs_dir, args.out)}")
    return 0


EXPORT_FORMATS = ("csv", "parquet")


def cmd_export(args: argparse.Namespace) -> int:
    """Write the tidy frame of ``ablations.load_results`` to a CSV or Parquet file."""
    import importlib.util

    from ablations.read.api import load_results

    (name,) = args.matrices
    if args.format == "parquet" and importlib.util.find_spec("pyarrow") is None:
        print("error: --format parquet needs pyarrow; pip install pyarrow (or use --format csv)", file=sys.stderr)
        return 2
    matrix = resolve_matrices([name])[0]
    frame = load_results(matrix, args.profile, args.runs_dir)
    out = args.out or Path(f"{matrix.name}-{args.profile}.{args.format}")
    if str(out) == "-" and args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
        return 0
    try:
        if args.format == "csv":
            frame.to_csv(out, index=False)
        else:
            frame.to_parquet(out, index=False)
    except OSError as exc:
        print(f"error: {out}: cannot write ({exc.strerror or exc})", file=sys.stderr)
        return 2
    print(f"wrote {out}: {len(frame)} trials of {matrix.name} [{args.profile}]")
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    from ablations.read.gate.baseline import BaselineError, accept_cells, build_baseline, default_path, load_baseline

    out = args.out or default_path(args.profile)
    previous = None
    if out.exists():
        try:
            previous = load_baseline(out)
        except BaselineError as exc:
            if args.accept:
                print(f"error: --accept needs a readable baseline: {exc}", file=sys.stderr)
                return 2
            print(f"note: not keeping tolerances of the old baseline ({exc})", file=sys.stderr)
    elif args.accept:
        print(f"error: --accept needs an existing baseline; {out} does not exist", file=sys.stderr)
        return 2
    try:
        baseline = build_baseline(resolve_matrices(args.matrices), args.profile, args.runs_dir, previous=previous)
        if args.accept:
            assert previous is not None
            baseline, taken = accept_cells(previous, baseline, args.accept)
            for line in taken:
                print(f"accepted {line}")
    except BaselineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    baseline.write(out)
    cells = sum(len(c) for c in baseline.matrices.values())
    print(f"wrote {out}: {len(baseline.matrices)} matrices, {cells} cells")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import json

    from ablations.read.gate.baseline import BaselineError, default_path, load_baseline
    from ablations.read.gate.check import GateError, check, junit_xml, render

    path = args.baseline or default_path(args.profile)
    try:
        baseline = load_baseline(path)
        outcome = check(
            resolve_matrices(args.matrices),
            args.profile,
            args.runs_dir,
            baseline,
            only=bool(args.matrices) and args.matrices != ["all"],
        )
    except (BaselineError, GateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.junit_xml:
        args.junit_xml.write_text(junit_xml(outcome), encoding="utf-8")
    if args.format == "json":
        print(json.dumps({"baseline": str(path), **outcome.to_dict()}, indent=1, allow_nan=False, default=str))
    else:
        print(f"# check [{args.profile}] against {path}")
        print(render(outcome, show_all=args.all))
    return outcome.exit_code


def cmd_verify(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from ablations.run.verify import all_reproduced, verify_matrix, verify_path

    problems = 0
    for matrix in resolve_matrices(args.matrices):
        outcome = verify_matrix(matrix, args.profile, runs_dir=args.runs_dir, sample=args.sample, seed=args.seed)
        rows = [[b, c["checked"], c["reproduced"], c["not_run"]] for b, c in outcome["backends"].items()]
        print(f"# {matrix.name} [{args.profile}]: {len(outcome['trials'])} finished trials rerun")
        print(tabulate(rows, headers=["backend", "checked", "reproduced", "not run"], tablefmt="github"))
        for row in outcome["trials"]:
            if row["reproduced"] is False:
                print(f"  {row['trial_id']} {row['label']}: differs in {', '.join(row['differences'])}")
        print(f"wrote {verify_path(args.runs_dir, matrix.name, args.profile)}")
        problems += not all_reproduced(outcome)
    return 1 if problems else 0


def jobs_argument(text: str) -> int | str:
    """``--jobs``: a positive number of worker processes, or ``auto``."""
    from ablations.run.execute import AUTO_JOBS

    if text == AUTO_JOBS:
        return text
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a number of worker processes >= 1 or 'auto', got {text!r}")
    return jobs


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
    p.add_argument(
        "--jobs",
        "-j",
        type=jobs_argument,
        default=1,
        help="worker processes, or auto: one per CPU core for trial matrices (process executor), none for searches",
    )
    p.add_argument("--scheduler", help="Dask scheduler address tcp://host:port (--executor dask)")
    p.add_argument("--force", action="store_true", help="rerun trials that are already stored")
    p.add_argument("--retry-failed", action="store_true", help="also rerun failed and timed-out trials")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar (CI)")
    p.add_argument(
        "--storage",
        default=None,
        help="search matrices: an Optuna storage URL that several workers share (default: SQLite in the runs dir)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("verify", help="rerun a sample of finished trials; do they reproduce bit for bit?")
    _add_common(p)
    p.add_argument("--sample", type=int, default=4, help="finished trials to rerun (default 4)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample draw")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("report", help="write reports/<matrix>.md from stored results")
    _add_common(p)
    p.add_argument("--out", type=Path, default=Path("reports"))
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", help="stored results of one matrix profile as a CSV or Parquet table")
    _add_common(p, many=False)
    p.add_argument("--format", "-f", choices=EXPORT_FORMATS, default="csv", help="csv, or parquet (needs pyarrow)")
    p.add_argument(
        "--out", "-o", type=Path, default=None, help="default: <matrix>-<profile>.<format>; '-' writes CSV to stdout"
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("baseline", help="write bench/baselines/<profile>.json from stored results")
    _add_common(p)
    p.add_argument("--out", type=Path, default=None, help="default: bench/baselines/<profile>.json")
    p.add_argument(
        "--accept",
        nargs="+",
        metavar="CELL",
        default=None,
        help="an intended change: take only these cells from the current results (MATRIX, "
        "MATRIX:key=value[,key=value] or MATRIX:CELL_ID), keep the rest of the baseline",
    )
    p.set_defaults(func=cmd_baseline)

    p = sub.add_parser("check", help="compare stored results with a baseline; exit 1 on a regression")
    _add_common(p)
    p.add_argument("--baseline", type=Path, default=None, help="default: bench/baselines/<profile>.json")
    p.add_argument("--all", action="store_true", help="also list the comparisons within tolerance")
    p.add_argument("--format", choices=["text", "json"], default="text", help="json: one object for CI tools")
    p.add_argument("--junit-xml", type=Path, default=None, metavar="FILE", help="also write JUnit XML here")
    p.set_defaults(func=cmd_check)
    return parser


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (a batch scheduler, ``kill``) and Ctrl-C stop the run: what finished stays stored."""
    from ablations.run.executors.workers import STOP_REQUESTED

    STOP_REQUESTED.set()
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    from ablations.run.store import StoreError

    # The backend is fixed when Keras is first imported: TensorFlow unless the user chose.
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    args = build_parser().parse_args(argv)
    from ablations.run.executors.workers import STOP_REQUESTED

    STOP_REQUESTED.clear()  # a stop belongs to one run: main() called again (tests, notebooks) starts afresh
    previous = signal.signal(signal.SIGTERM, _terminate)
    previous_int = signal.signal(signal.SIGINT, _terminate)
    try:
        load_plugins()
        return args.func(args)
    except (MatrixError, UnknownNameError, PluginError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; finished trials are stored, rerun to resume", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


if __name__ == "__main__":
    sys.exit(main())
