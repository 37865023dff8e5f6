"""The MNIST-1D baselines section: the suite's shallow MLP beside the published accuracies."""

from __future__ import annotations

import pandas as pd

from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.deep_mlp.frames import frames
from ablations.read.reporting.tables import markdown_table

# Published MNIST-1D test accuracies (Greydanus 2020; the mnist1d README).
MNIST1D_BASELINES = (("logistic regression", 0.32), ("MLP", 0.68), ("CNN", 0.94))


def mnist1d_baselines(ctx: ReportContext) -> str:
    """The suite's shallow MLP beside the published MNIST-1D baselines."""
    trials = frames(ctx)["trials"]
    rows = [
        {"model": name, "test accuracy": f"{acc:.0%}", "source": "Greydanus 2020, mnist1d README"}
        for name, acc in MNIST1D_BASELINES
    ]
    note = ""
    shallow = trials
    if not trials.empty:
        shallow = trials[
            (trials["dataset"] == "mnist1d")
            & (trials["activation"] == "relu")
            & (trials["batch_norm"] == "none")
            & (trials["dropout"] == 0)
        ]
    if not shallow.empty:
        depth = int(shallow["depth"].min())
        shallow = shallow[shallow["depth"] == depth]
        acc = shallow["accuracy"]
        spread = f" ± {acc.std(ddof=1):.1%}" if len(acc) > 1 else ""
        epochs = int(shallow["epochs_run"].max())
        steps = epochs * int(shallow["steps_per_epoch"].max())
        rows.append(
            {
                "model": f"this suite: MLP, {depth} hidden ReLU layers, SGD, {epochs} epochs ({steps} steps)",
                "test accuracy": f"{acc.mean():.1%}{spread}",
                "source": f"this run, {len(acc)} seeds",
            }
        )
    else:
        note = "_This profile has no shallow ReLU MLP on mnist1d to put beside them._\n\n"
    return (
        "## MNIST-1D baselines\n\n"
        "Published test accuracies on MNIST-1D beside this suite's shallowest ReLU MLP. The suite "
        "trains for the matrix's short budget, so its number is a floor, not a replication.\n\n"
        + note
        + markdown_table(pd.DataFrame(rows))
        + "\n"
    )
