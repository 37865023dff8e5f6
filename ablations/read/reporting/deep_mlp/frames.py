"""The tidy frames every deep-MLP section reads, built from the records once per page.

Trials (one row per finished trial), probe rows, Dense-kernel gradients with their position
in the model, and the first/last layer log10 ratios; sections share them through one cache.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ablations.describe.status import Status
from ablations.read.reporting.context import ReportContext

SETTING_KEYS = ("depth", "activation", "batch_norm", "dropout")

_cache: dict[int, tuple[list[dict[str, Any]], dict[str, pd.DataFrame]]] = {}


def _trials(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for record in records:
        if record.get("status") != Status.OK:
            continue
        s = record["settings"]
        history = record.get("history") or {}
        rows.append(
            {
                "trial_id": record["trial_id"],
                "cell_id": record["cell_id"],
                "seed": record["seed"],
                **{key: s.get(key) for key in SETTING_KEYS},
                "dataset": s.get("dataset"),
                "accuracy": (record.get("test") or {}).get("accuracy"),
                "epochs_run": record.get("epochs_run"),
                "steps_per_epoch": math.ceil(record.get("n_train", 0) / s.get("batch_size", 1)),
                "val_accuracy": history.get("val_accuracy"),
                "val_loss": history.get("val_loss"),
                "probe_steady_s": (record.get("probe_timing") or {}).get("steady_s"),
                "steady_epoch_s": (record.get("timing") or {}).get("steady_epoch_s"),
            }
        )
    return pd.DataFrame(rows)


def _probes(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for record in records:
        if record.get("status") != Status.OK or not record.get("probes"):
            continue
        s = record["settings"]
        labels = {key: s.get(key) for key in SETTING_KEYS}
        last_epoch = max(p["epoch"] for p in record["probes"])
        for p in record["probes"]:
            rows.append(
                {
                    "trial_id": record["trial_id"],
                    "cell_id": record["cell_id"],
                    "seed": record["seed"],
                    **labels,
                    **p,
                    "final": p["epoch"] == last_epoch,
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")  # None: not finite
    frame["phase"] = np.where(
        frame["epoch"] == 0, "initialization", np.where(frame["final"], "after training", "during")
    )
    return frame


def frames(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """Trials, probe rows, Dense-kernel gradients and first/last ratios; built once per page."""
    cached = _cache.get(id(ctx))
    if cached is not None and cached[0] is ctx.records:
        return cached[1]
    trials, probes = _trials(ctx.records), _probes(ctx.records)
    grads = ratios = pd.DataFrame()
    if not probes.empty:
        grads = probes[probes["kind"] == "grad_kernel"].copy()
        grads["position"] = grads.groupby(["trial_id", "epoch"])["layer_index"].rank(method="dense").astype(int)
        grads["log10"] = np.log10(grads["value"].astype(float).where(grads["value"] > 0))
        ends = grads.groupby(["trial_id", "epoch"])["position"].agg(["min", "max"]).reset_index()
        merged = grads.merge(ends, on=["trial_id", "epoch"])
        first = merged[merged["position"] == merged["min"]].set_index(["trial_id", "epoch"])
        last = merged[merged["position"] == merged["max"]].set_index(["trial_id", "epoch"])
        ratios = first[["cell_id", "seed", *SETTING_KEYS, "phase"]].copy()
        ratios["log10_ratio"] = first["log10"] - last["log10"]
        ratios = ratios.reset_index()
    built = {"trials": trials, "probes": probes, "grads": grads, "ratios": ratios}
    _cache.clear()
    _cache[id(ctx)] = (ctx.records, built)
    return built


def cell_ratios(ctx: ReportContext) -> pd.DataFrame:
    """Per cell: log10 first/last ratio (mean over seeds) at initialization and after training."""
    ratios = frames(ctx)["ratios"]
    if ratios.empty:
        return ratios
    picked = ratios[ratios["phase"].isin(["initialization", "after training"])]
    table = picked.pivot_table(index=["cell_id", *SETTING_KEYS], columns="phase", values="log10_ratio", aggfunc="mean")
    return table.reset_index()
