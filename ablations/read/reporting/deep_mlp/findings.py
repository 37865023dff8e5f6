"""The "What this run shows" section: verdicts in words, generated from the measured numbers."""

from __future__ import annotations

import math
from typing import Any

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.deep_mlp.common import NO_PROBES, VANISHED, power
from ablations.read.reporting.deep_mlp.frames import cell_ratios, frames
from ablations.read.reporting.deep_mlp.significance import accuracy_tests


def _orders(log10: float) -> str:
    return f"{abs(log10):.1f}"


def _label(row: Any, *, depth: bool = True) -> str:
    parts = [f"{row['depth']}-layer {row['activation']}" if depth else str(row["activation"])]
    if row["batch_norm"] != "none":
        parts.append(f"BN {row['batch_norm']}")
    if row["dropout"]:
        parts.append(f"dropout {row['dropout']:g}")
    return ", ".join(parts)


def findings(ctx: ReportContext) -> str:
    """A generated "what this run shows" paragraph: vanished cells, orders of magnitude."""
    cells = cell_ratios(ctx)
    trials = frames(ctx)["trials"]
    if cells.empty or "initialization" not in cells:
        tests = accuracy_tests(trials)
        return "## What this run shows\n\n" + NO_PROBES + (f"\n{tests}" if tests else "")
    deepest = int(cells["depth"].max())
    plain = cells[(cells["dropout"] == 0)]
    lines = []
    vanished = plain[plain["initialization"] <= math.log10(VANISHED)].sort_values(
        ["initialization", "depth", "activation", "batch_norm"]
    )
    if vanished.empty:
        lines.append(f"No cell's first-layer gradient started below {VANISHED:g} of its last layer's.")
    else:
        listed = "; ".join(f"{_label(row)} ({_orders(row['initialization'])})" for _, row in vanished.iterrows())
        lines.append(
            f"At initialization, {len(vanished)} of {len(plain)} cells without dropout had a first-layer "
            f"gradient norm at least {1 / VANISHED:g} times smaller than the output layer's "
            f"(orders of magnitude in brackets): {listed}."
        )
    deep = plain[plain["depth"] == deepest].set_index(["activation", "batch_norm"])
    if ("sigmoid", "none") in deep.index:
        row = deep.loc[("sigmoid", "none")]
        text = (
            f"The {deepest}-layer sigmoid network without batch norm starts with a first/last gradient "
            f"ratio of {power(row['initialization'])}"
        )
        if "after training" in row and math.isfinite(row["after training"]):
            text += f" and ends training at {power(row['after training'])}"
        closers = []
        for key, name in (
            (("sigmoid", "before"), "batch norm before the activation"),
            (("sigmoid", "after"), "batch norm after it"),
            (("selu", "none"), "SELU instead of sigmoid"),
        ):
            if key in deep.index:
                other = deep.loc[key]["initialization"]
                change = other - row["initialization"]
                closers.append(
                    f"{name} gives {power(other)} ({_orders(change)} orders of magnitude "
                    f"{'higher' if change > 0 else 'lower'})"
                )
        lines.append(text + (": " + "; ".join(closers) if closers else "") + ".")
    if not trials.empty and trials["accuracy"].notna().any():
        acc = trials[(trials["depth"] == deepest) & (trials["dropout"] == 0)]
        trained = acc["epochs_run"]
        acc = acc.groupby(["activation", "batch_norm"])["accuracy"].mean().sort_values(kind="stable")
        if len(acc):
            (worst_a, worst_b), (best_a, best_b) = acc.index[0], acc.index[-1]
            when = (
                f"After {int(trained.max())} epochs"
                if trained.min() == trained.max()
                else f"Trained for {int(trained.min())} to {int(trained.max())} epochs (early stopping)"
            )
            lines.append(
                f"{when} the {deepest}-layer cells reach test accuracy "
                f"from {acc.iloc[0]:.1%} ({worst_a}, batch norm {worst_b}) to {acc.iloc[-1]:.1%} "
                f"({best_a}, batch norm {best_b}), mean over seeds."
            )
    tests = accuracy_tests(trials)
    return (
        "## What this run shows\n\n_Generated from the measured numbers below._ "
        + " ".join(lines)
        + "\n"
        + (f"\n{tests}" if tests else "")
    )
