"""Fused trials versus one at a time: trials per hour, and what compiling a group costs.

Run: ``python bench/bench_fused.py`` (add ``--tf`` for the TensorFlow ``fit`` column, ``--quick``
for a 2-epoch smoke run). Each mode trains the same trials (4 deep_mlp-like cells x 5 seeds on
digits) in a fresh process of its own (Keras' backend is fixed per process), timed from the
first trial to the last, so interpreter and Keras start-up are outside every number:

- ``fit-jax`` / ``fit-tf``: ``ablations.run.lifecycle.train_trial`` one trial after another;
- ``fused``: the trials planned into groups (``plan_groups``), each group one
  ``ablations.run.fused.train_group``.

Then a compile comparison on the deepest cell: a K=8 group's first epoch (compilation
included) against one fused trial's and one ``fit`` trial's. It prints the ratios and the
machine's load (``os.getloadavg``), and with ``--json PATH`` writes them; with ``--out
reports/fused.md`` it also writes the generated page (ratios, machine, load, and how to run the
GPU benchmark ``bench/gpu_fused.py``). Not a pytest benchmark: the ratios come from one run of
each mode, on a machine other jobs may share.

Sweeps, each mode again in a fresh process: ``--widths 1,2,4,8,0`` (slots per vectorized chunk,
0 one vmap over the group), ``--group-sizes 1,4,8,16`` (seeds per cell, so the group size K),
``--workers 1,2`` (``ablations run --executor process --jobs N`` end to end) and ``--cache``
(a cold then a warm JAX compilation cache). The page made for ``reports/fused.md``:

    python bench/bench_fused.py --widths 1,2,4,5,8,0 --group-sizes 1,4,8,16 --workers 1,2 --cache --out reports/fused.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ablations.describe.settings import FUSED_SLOT_WIDTH  # noqa: E402

FIXED = {
    "dataset": "digits",
    "model": "mlp",
    "width": 100,
    "optimizer": "sgd",
    "learning_rate": 0.01,
    "momentum": 0.9,
    "epochs": 10,
    "batch_size": 32,
    "early_stopping_patience": 10,
    "checkpoint": False,
    "probe_every": 5,
    "probe_batch_size": 256,
}
CELLS = {
    "depth2-relu": {"depth": 2, "activation": "relu"},
    "depth20-relu": {"depth": 20, "activation": "relu"},
    "depth20-relu-bn": {"depth": 20, "activation": "relu", "batch_norm": "before"},
    "depth20-selu-dropout": {"depth": 20, "activation": "selu", "dropout": 0.2},
}
SEEDS = range(5)


OVERRIDES_ENV = "BENCH_FUSED_OVERRIDES"


def fixed_settings() -> dict[str, Any]:
    """:data:`FIXED` with the run's ``--dataset`` and ``--epochs`` (passed to children in the environment)."""
    return {**FIXED, **json.loads(os.environ.get(OVERRIDES_ENV) or "{}")}


def trials(backend: str, quick: bool, trainer: str = "auto", seeds: int = len(SEEDS)) -> list[Any]:
    """The bench's trials; ``trainer = "fit"`` for the one-at-a-time modes (a JAX MLP is fused by default)."""
    from ablations.describe.datasets import DATASETS
    from ablations.describe.settings import resolve_settings
    from ablations.describe.trial import TrialConfig

    out = []
    fixed = fixed_settings()
    for name, cell in CELLS.items():
        values = {**fixed, **cell, "backend": backend, "trainer": trainer}
        if quick:
            values |= {"epochs": 2, "probe_every": 1}
        settings = resolve_settings(values)
        version = DATASETS[settings["dataset"]].version
        out += [TrialConfig("bench_fused", {"cell": name}, settings, s, version) for s in range(seeds)]
    return out


def worker(mode: str, quick: bool, slot_width: int | None, seeds: int = len(SEEDS)) -> dict[str, Any]:
    """Runs in the child process: train this mode's trials, return timings and accuracies.

    ``seeds`` is the group size K of ``fused`` (one group per cell). With
    ``$ABLATIONS_COMPILE_CACHE`` set, JAX's persistent compilation cache is on, as in the workers.
    """
    from ablations.run.lifecycle import train_trial

    backend = "tensorflow" if mode == "fit-tf" else "jax"
    if backend == "jax" and os.environ.get("ABLATIONS_COMPILE_CACHE"):
        from ablations.run.compile_cache import enable_compile_cache

        enable_compile_cache()
    configs = trials(backend, quick, "auto" if mode == "fused" else "fit", seeds)
    start = time.perf_counter()
    if mode == "fused":
        from ablations.run.fused.groups import plan_groups
        from ablations.run.fused.trainer import train_group

        groups, alone = plan_groups(configs)
        records = [r for g in groups for r in train_group(g, slot_width=slot_width)]
        records += [train_trial(c) for c in alone]
    elif mode == "compile":
        return compile_times(quick, slot_width)
    else:
        records = [train_trial(c) for c in configs]
        assert all(r["settings"]["trainer"] == "fit" for r in records), "one at a time means Keras fit"
    elapsed = time.perf_counter() - start
    return {
        "mode": mode,
        "trials": len(records),
        "seconds": elapsed,
        "trials_per_hour": 3600 * len(records) / elapsed,
        "statuses": sorted({r["status"] for r in records}),
        "mean_test_accuracy": {
            name: sum(r["test"]["accuracy"] for r in records if r["cell"]["cell"] == name) / seeds
            for name in CELLS
            if all(r.get("test") for r in records)
        },
        "timing_per_trial": timing_per_trial(records),
    }


TIMING_PARTS = ("setup_s", "first_epoch_s", "steady_epoch_s", "evaluation_s", "total_s")


def timing_per_trial(records: list[dict[str, Any]]) -> dict[str, float]:
    """Mean seconds per trial of each part of the runner's timing (a fused trial's share of its group's)."""
    out = {}
    for part in TIMING_PARTS:
        values = [r["timing"][part] for r in records if isinstance((r.get("timing") or {}).get(part), (int, float))]
        if values:
            out[part] = sum(values) / len(values)
    return out


def as_fit(config: Any) -> Any:
    """The same trial trained by Keras ``fit`` (a new trial id: the trainer is a setting)."""
    from ablations.describe.settings import resolve_settings

    settings = resolve_settings({**config.settings, "trainer": "fit"})
    return config.__class__(config.matrix, config.cell, settings, config.seed, config.dataset_version)


def compile_times(quick: bool, slot_width: int | None) -> dict[str, Any]:
    """First-epoch seconds (compilation included) of K=8, K=1 fused and one fit trial."""
    from ablations.run.fused.trainer import train_group
    from ablations.run.lifecycle import train_trial

    configs = [c for c in trials("jax", quick) if c.cell["cell"] == "depth20-relu-bn"]
    configs = [
        c.__class__(c.matrix, c.cell, {**c.settings, "epochs": 2}, s, c.dataset_version)
        for c, s in zip(configs * 2, range(8), strict=False)
    ]
    out: dict[str, Any] = {"mode": "compile"}
    # Warm the process first (JAX and Keras set-up, first traces), so no case pays for it.
    warm = [
        c.__class__(c.matrix, c.cell, {**c.settings, "depth": 1, "epochs": 1}, c.seed, c.dataset_version)
        for c in configs[:2]
    ]
    train_group(warm, slot_width=slot_width)
    train_trial(as_fit(warm[0]))
    for k in (1, 8):
        t = time.perf_counter()
        record = train_group(configs[:k], slot_width=slot_width)[0]
        out[f"fused_k{k}_first_epoch_s"] = record["fused"]["group_timing"]["first_epoch_s"]
        out[f"fused_k{k}_total_s"] = time.perf_counter() - t
    t = time.perf_counter()
    record = train_trial(as_fit(configs[0]))
    assert record["settings"]["trainer"] == "fit", "the comparison is with Keras fit"
    out["fit_first_epoch_s"] = record["timing"]["first_epoch_s"]
    out["fit_total_s"] = time.perf_counter() - t
    return out


def worker_times(quick: bool, jobs_list: list[int]) -> dict[str, Any]:
    """Wall seconds of ``ablations run`` over 4 JAX cells x 5 seeds with the process executor at
    each ``--jobs``: start-up, planning, fused groups and storing included, caches cold."""
    fixed = {**fixed_settings(), "backend": "jax"} | ({"epochs": 2, "probe_every": 1} if quick else {})
    toml = "seeds = [0, 1, 2, 3, 4]\n\n[fixed]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in fixed.items())
    toml += '\n[axes]\ndepth = [2, 20]\nbatch_norm = ["none", "before"]\n'
    out: dict[str, Any] = {"cells": "depth 2/20 x batch_norm none/before, relu, 5 seeds"}
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    for jobs in jobs_list:
        with tempfile.TemporaryDirectory() as tmp:
            matrix = Path(tmp) / "bench_workers.toml"
            matrix.write_text(toml)
            env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": path}
            env["ABLATIONS_COMPILE_CACHE"] = str(Path(tmp) / "cache")
            load_before = os.getloadavg()
            command = [sys.executable, "-m", "ablations", "run", str(matrix), "--runs-dir", str(Path(tmp) / "runs")]
            command += ["--executor", "process", "--jobs", str(jobs), "-q"]
            start = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(f"--jobs {jobs} failed ({done.returncode}):\n{done.stderr[-3000:]}")
            out[str(jobs)] = {"seconds": seconds, "load_before": load_before, "load_after": os.getloadavg()}
    return out


def run_child(
    mode: str, quick: bool, slot_width: int | None, *, seeds: int = len(SEEDS), cache: str | None = None
) -> dict[str, Any]:
    """One mode in a fresh process; ``cache``: a compilation-cache directory (default: none, cold)."""
    backend = "tensorflow" if mode == "fit-tf" else "jax"
    # The caller's PYTHONPATH stays after the checkout's (a local shim or plugin still loads).
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": path}
    env["ABLATIONS_COMPILE_CACHE"] = cache or ""
    load_before = os.getloadavg()
    args = [sys.executable, __file__, "--child", mode, "--slot-width", str(slot_width or 0), "--seeds", str(seeds)]
    out = subprocess.run(args + (["--quick"] if quick else []), env=env, capture_output=True, text=True, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"{mode} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    result = json.loads(lines[-1])
    result["load_before"] = load_before
    result["load_after"] = os.getloadavg()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf", action="store_true", help="also time fit on TensorFlow")
    parser.add_argument("--quick", action="store_true", help="2 epochs: a smoke run of this script")
    parser.add_argument("--slot-width", type=int, default=FUSED_SLOT_WIDTH, help="0: one vmap over all slots")
    parser.add_argument("--seeds", type=int, default=len(SEEDS), help=argparse.SUPPRESS)
    parser.add_argument("--widths", default="", help="also time fused at these slot widths, e.g. 1,2,4,8")
    parser.add_argument("--group-sizes", default="", help="also time fused groups of these sizes, e.g. 1,4,8,16")
    parser.add_argument("--dataset", help=f"train on this data set (default {FIXED['dataset']})")
    parser.add_argument("--epochs", type=int, help=f"epochs per trial (default {FIXED['epochs']})")
    parser.add_argument(
        "--workers", default="", help="also time ablations run --executor process at these --jobs, e.g. 1,2"
    )
    parser.add_argument("--cache", action="store_true", help="also time fused with a cold, then a warm compile cache")
    parser.add_argument("--modes", default="fused,fit-jax,compile")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--out", type=Path, help="write the generated page here (reports/fused.md)")
    parser.add_argument("--from-json", type=Path, help="write --out from a --json file of an earlier run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    width = args.slot_width or None
    if not args.child:
        overrides: dict[str, Any] = {k: v for k, v in (("dataset", args.dataset), ("epochs", args.epochs)) if v}
        if args.epochs:
            overrides["early_stopping_patience"] = args.epochs
        os.environ[OVERRIDES_ENV] = json.dumps(overrides)
    if args.child:
        print(json.dumps(worker(args.child, args.quick, width, args.seeds)), flush=True)
        return
    if args.from_json:
        if not args.out:
            parser.error("--from-json needs --out")
        args.out.write_text(page(json.loads(args.from_json.read_text())))
        print("wrote", args.out)
        return
    modes = args.modes.split(",") + (["fit-tf"] if args.tf else [])
    results: dict[str, Any] = {
        "load_before": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "slot_width": width,
        "quick": args.quick,
        "overrides": json.loads(os.environ[OVERRIDES_ENV]),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "argv": [a for a in sys.argv[1:] if a != "--json" and not a.endswith(".json")],
    }
    for mode in [m for m in modes if m]:
        results[mode] = run_child(mode, args.quick, width)
        print(mode, json.dumps(results[mode]), flush=True)
    for w in [int(v) for v in args.widths.split(",") if v]:
        results.setdefault("widths", {})[str(w)] = run_child("fused", args.quick, w or None)
        print(f"width {w}", json.dumps(results["widths"][str(w)]), flush=True)
    for k in [int(v) for v in args.group_sizes.split(",") if v]:
        results.setdefault("group_sizes", {})[str(k)] = run_child("fused", args.quick, width, seeds=k)
        print(f"group size {k}", json.dumps(results["group_sizes"][str(k)]), flush=True)
    if args.workers:
        results["workers"] = worker_times(args.quick, [int(v) for v in args.workers.split(",") if v])
        print("workers", json.dumps(results["workers"]), flush=True)
    if args.cache:
        with tempfile.TemporaryDirectory() as cache:
            results["cache"] = {run: run_child("fused", args.quick, width, cache=cache) for run in ("cold", "warm")}
        print("cache", json.dumps(results["cache"]), flush=True)
    fused = results.get("fused", {}).get("trials_per_hour")
    for mode in ("fit-jax", "fit-tf"):
        if fused and mode in results:
            results[f"ratio_fused_over_{mode}"] = fused / results[mode]["trials_per_hour"]
            print(f"trials per hour, fused / {mode}: {results[f'ratio_fused_over_{mode}']:.2f}x")
    if "compile" in results:
        c = results["compile"]
        results["compile_ratio_k8_over_k1"] = c["fused_k8_first_epoch_s"] / c["fused_k1_first_epoch_s"]
        results["compile_ratio_k8_over_fit"] = c["fused_k8_first_epoch_s"] / c["fit_first_epoch_s"]
        print(
            f"first epoch (compile) K=8 / fused K=1: {results['compile_ratio_k8_over_k1']:.2f}x; "
            f"K=8 / one fit trial: {results['compile_ratio_k8_over_fit']:.2f}x"
        )
    print("load average (1, 5, 15 min) before:", results["load_before"], "after:", os.getloadavg())
    results["load_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(page(results))
        print("wrote", args.out)


def _load(values: Any) -> str:
    return " / ".join(f"{v:.2f}" for v in values) if values else "?"


def timing_section(results: dict[str, Any]) -> list[str]:
    """Where a trial's seconds go in each mode, and what that says about the ratio's limit."""
    fused = (results.get("fused") or {}).get("timing_per_trial")
    fit = (results.get("fit-jax") or {}).get("timing_per_trial")
    if not fused or not fit:
        return []
    names = {
        "setup_s": "setup (data and model; fused: also the first probe)",
        "first_epoch_s": "first epoch (compilation included)",
        "steady_epoch_s": "a later epoch",
        "evaluation_s": "test evaluation",
        "total_s": "total",
    }
    lines = [
        "",
        "Where a trial's seconds go, mean over the trials of each mode above (a fused trial's share: its "
        "group's seconds over the group's size):",
        "",
        "| part | fused | fit-jax | fused / fit-jax |",
        "|---|---|---|---|",
    ]
    for part, name in names.items():
        if part in fused and part in fit:
            ratio = f"{fused[part] / fit[part]:.2f}x" if fit[part] else "-"
            lines.append(f"| {name} | {fused[part]:.3f} s | {fit[part]:.3f} s | {ratio} |")
    if fit.get("steady_epoch_s") and fused.get("steady_epoch_s") and fit.get("first_epoch_s"):
        steady = fused["steady_epoch_s"] / fit["steady_epoch_s"]
        first = fused["first_epoch_s"] / fit["first_epoch_s"]
        lines += [
            "",
            f"A later epoch costs a fused trial {steady:.2f}x what it costs a `fit` trial, its first epoch "
            f"{first:.2f}x: most of the fused mode's gain is compiling once per group, and the longer trials "
            f"train, the closer the gain comes to the later epochs' {1 / steady:.2f}x.",
        ]
    return lines


def page(results: dict[str, Any]) -> str:
    """The generated page: what was measured, on what, under which load, and the GPU script."""
    command = " ".join(["python bench/bench_fused.py", *results.get("argv", ["--out", "reports/fused.md"])])
    loads = [results["load_before"][0], results["load_after"][0]] + [
        r[k][0] for r in results.values() if isinstance(r, dict) for k in ("load_before", "load_after") if k in r
    ]
    busy = max(loads) > (results.get("cpu_count") or 1)
    fixed = {**FIXED, **results.get("overrides", {})}
    epochs = 2 if results.get("quick") else fixed["epochs"]
    lines = [
        "# Fused trials versus one at a time",
        "",
        f"Generated by `{command}` on {results['started']}; do not edit by hand.",
        "",
        f"Trials: {len(CELLS)} deep_mlp-like cells ({', '.join(CELLS)}) x {len(SEEDS)} seeds on {fixed['dataset']}, "
        f"{epochs} epochs, batch {FIXED['batch_size']}, SGD {FIXED['learning_rate']} with momentum "
        f"{FIXED['momentum']}, gradient probe every {FIXED['probe_every']} epochs. Each mode runs in a fresh "
        "process and is timed from its first trial to its last (start-up excluded); `fused` plans the "
        "trials into groups (`ablations.run.fused.plan_groups`) and trains each with `train_group` "
        f"(slot width {results['slot_width'] or 'all'}); `fit-*` call `ablations.run.lifecycle.train_trial` one "
        "trial after another. One run per mode: a ratio, not a benchmark with error bars.",
        "",
        f"Machine: {results['machine']}. Load average (1, 5, 15 min) at the start: "
        f"{_load(results['load_before'])}; at the end: {_load(results['load_after'])}; per mode below. "
        + (
            f"The 1-minute load went above the {results.get('cpu_count')} CPUs (up to {max(loads):.1f}): other "
            "jobs shared the machine, unevenly between modes, so these ratios are rough; rerun on an idle "
            "machine for numbers to quote."
            if busy
            else "The load stayed within the CPUs."
        ),
        "",
        "| mode | trials | seconds | trials per hour | mean test accuracy per cell | load before | load after |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode in ("fused", "fit-jax", "fit-tf"):
        r = results.get(mode)
        if not r:
            continue
        acc = ", ".join(f"{v:.3f}" for v in r.get("mean_test_accuracy", {}).values()) or "-"
        lines.append(
            f"| {mode} | {r['trials']} | {r['seconds']:.1f} | {r['trials_per_hour']:.0f} | {acc} | "
            f"{_load(r.get('load_before'))} | {_load(r.get('load_after'))} |"
        )
    fit = (results.get("fit-jax") or {}).get("trials_per_hour")
    for key, title, unit in (
        ("widths", "Slot width (slots per vectorized chunk; 0: one vmap over the whole group)", "width"),
        ("group_sizes", f"Group size K (seeds per cell, slot width {results['slot_width'] or 'all'})", "K"),
    ):
        sweep = results.get(key)
        if not sweep:
            continue
        lines += ["", f"{title}, {len(CELLS)} cells, one group per cell:", ""]
        lines += [
            f"| {unit} | trials | seconds | trials per hour | fused / fit-jax | load before |",
            "|---|---|---|---|---|---|",
        ]
        for value, r in sweep.items():
            ratio = f"{r['trials_per_hour'] / fit:.2f}x" if fit else "-"
            lines.append(
                f"| {value} | {r['trials']} | {r['seconds']:.1f} | {r['trials_per_hour']:.0f} | {ratio} | "
                f"{_load(r.get('load_before'))} |"
            )
    lines += timing_section(results)
    workers = results.get("workers")
    if workers:
        runs = {k: v for k, v in workers.items() if k != "cells"}
        lines += [
            "",
            f"Worker processes: `ablations run --executor process --jobs N` over {workers['cells']} "
            "(20 trials, 4 fused groups), wall time from the command's start to its end, caches cold:",
            "",
        ]
        lines += ["| jobs | seconds | load before |", "|---|---|---|"]
        lines += [f"| {jobs} | {r['seconds']:.1f} | {_load(r.get('load_before'))} |" for jobs, r in runs.items()]
        if "1" in runs and "2" in runs:
            lines += ["", f"2 workers / 1: **{runs['1']['seconds'] / runs['2']['seconds']:.2f}x** the speed."]
    cache = results.get("cache")
    if cache:
        cold, warm = cache["cold"], cache["warm"]
        lines += [
            "",
            f"Compilation cache: the fused mode in a fresh process with an empty cache, then again with "
            f"the programs the first run cached: {cold['seconds']:.1f} s, then {warm['seconds']:.1f} s "
            f"(**{cold['seconds'] / warm['seconds']:.2f}x** faster when cached).",
        ]
    lines += [
        "",
        "Ratios (the goals: fused at least 4x the trials per hour on 2 CPU cores; a K=8 "
        "group's compilation at most 1.5x one trial's):",
        "",
    ]
    for mode in ("fit-jax", "fit-tf"):
        key = f"ratio_fused_over_{mode}"
        if key in results:
            lines.append(f"- trials per hour, fused / {mode}: **{results[key]:.2f}x**")
    if "compile" in results:
        c = results["compile"]
        lines += [
            f"- first epoch (compilation included) of a K=8 group / a K=1 fused trial: "
            f"**{results['compile_ratio_k8_over_k1']:.2f}x** ({c['fused_k8_first_epoch_s']:.2f} s / "
            f"{c['fused_k1_first_epoch_s']:.2f} s)",
            f"- first epoch of a K=8 group / one `fit` trial (JAX): **{results['compile_ratio_k8_over_fit']:.2f}x** "
            f"({c['fused_k8_first_epoch_s']:.2f} s / {c['fit_first_epoch_s']:.2f} s); "
            f"load {_load(c.get('load_before'))} before, {_load(c.get('load_after'))} after",
        ]
    lines += [
        "",
        "## GPU",
        "",
        "**No GPU was available where this page was made, so it has no GPU numbers.** The GPU benchmark "
        "is [`bench/gpu_fused.py`](../bench/gpu_fused.py), ready to run: it needs only numpy, keras and "
        "jax (no TensorFlow, no internet), trains the 20-layer, width-100 relu MLP on synthetic "
        "60,000 x 784 inputs at batch 256, K >= 32 fused trials against a few Keras `fit` trials one at "
        "a time, reports seconds per model-epoch and the ratio (goal: at least 50x trials per hour), "
        "and measures each with and without XLA's deterministic ops (`--xla_gpu_deterministic_ops=true`). "
        "On a GPU machine, from the repository root:",
        "",
        "```",
        "python bench/gpu_fused.py --out reports/gpu_fused.md",
        "```",
        "",
        "(`--tiny` is a CPU smoke run of the script.)",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
