"""The course page's verdict: speed and quality of normalization, and the loss comparison."""

from __future__ import annotations

import math
from pathlib import Path

from ablations.describe.sections import SECTIONS
from ablations.describe.spec import load_matrix
from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.course import early_mean, epochs_to_share
from ablations.read.reporting.results import trial_frame

MATRIX = Path(__file__).resolve().parent.parent / "ablations" / "matrices" / "course.toml"


def record(dataset, normalization, loss, seed, curve, test):
    classification = dataset == "digits"
    history = {"val_accuracy": curve} if classification else {"val_mae": curve}
    cell = {"dataset": dataset, "normalization": normalization, "loss": loss}
    return {
        "trial_id": f"{dataset}{normalization}{loss}{seed}",
        "cell_id": f"{dataset}{normalization}{loss}",
        "seed": seed,
        "status": "ok",
        "cell": cell,
        "settings": dict(cell),
        "test": {"accuracy": test} if classification else {"mse": test},
        "history": history,
        "epochs_run": len(curve),
    }


def records():
    out = []
    noise = [0.004, -0.006, 0.001, 0.007, -0.003]  # per seed, no trend
    for seed in range(5):
        jitter, wobble = 0.002 * seed, noise[seed]
        # zscore: at 95 % of its best by epoch 2; none: only by epoch 4. Test accuracy equal-ish.
        out.append(record("digits", "none", "cross_entropy", seed, [0.3, 0.6, 0.8, 0.9 + jitter, 0.92], 0.90 + jitter))
        out.append(
            record(
                "digits", "zscore", "cross_entropy", seed, [0.8 + wobble, 0.9 + jitter, 0.91, 0.92, 0.93], 0.90 + wobble
            )
        )
        out.append(record("digits", "none", "squared_error", seed, [0.1, 0.2, 0.3, 0.35, 0.4 + jitter], 0.40 + jitter))
        out.append(
            record("digits", "zscore", "squared_error", seed, [0.1, 0.2, 0.3, 0.35, 0.4 - jitter], 0.41 + jitter)
        )
        # Regression, early stopping: the none runs stop after 3 epochs.
        out.append(record("diabetes", "none", "squared_error", seed, [100.0, 90.0, 80.0 + seed], 5000.0 + 10 * seed))
        out.append(record("diabetes", "zscore", "squared_error", seed, [60.0, 50.0, 45.0, 44.0], 3000.0 + 10 * seed))
    return out


def render(tmp_path, recs):
    axes = ["dataset", "normalization", "loss"]
    ctx = ReportContext(load_matrix(MATRIX), "default", recs, trial_frame(recs, axes), axes, tmp_path, tmp_path / "c")
    return SECTIONS.get("course_findings")(ctx)


def test_definitions_of_the_speed_measures():
    assert epochs_to_share([0.3, 0.6, 0.8, 0.9, 0.92], higher_is_better=True) == 4  # 0.95 x 0.92 = 0.874
    assert epochs_to_share([100.0, 90.0, 60.0, 58.0], higher_is_better=False) == 3  # 58 / 0.95 = 61.05
    assert math.isnan(epochs_to_share([None, None], higher_is_better=True))
    assert early_mean([0.2, 0.4, 0.9], 2) == 0.30000000000000004 or abs(early_mean([0.2, 0.4, 0.9], 2) - 0.3) < 1e-12
    assert math.isnan(early_mean([0.2], 2))


def test_course_verdict_is_computed_from_the_records(tmp_path):
    text = render(tmp_path, records())
    assert text.startswith("## What this run shows")
    assert text == render(tmp_path, records())
    # Faster: zscore reaches 95 % of its best at epoch 2, none at epoch 4, every seed alike.
    assert "digits, cross_entropy, epochs to 95% of best: `zscore` beats `none` (p < 0.001 Holm-corrected" in text
    # The window is the fewest epochs any run of the data set trained: 5 on digits, 3 on diabetes.
    assert "digits: validation accuracy, N = 5" in text and "diabetes: validation MAE, N = 3" in text
    assert "mean validation MAE over epochs 1-3: `zscore` beats `none`" in text
    # Better: on digits the test accuracies do not differ consistently, and the page says so.
    assert (
        "digits, cross_entropy, test accuracy: `zscore` vs `none`: no difference detected at n = 5 paired seeds" in text
    )
    assert "smallest detectable effect" in text
    assert "diabetes, squared_error, test MSE: `zscore` beats `none`" in text
    # Loss: cross-entropy against squared error per normalization.
    assert "digits, normalization none, test accuracy: `cross_entropy` beats `squared_error`" in text
    assert "Holm over" in text
    assert "_Context, not computed from this run:_" in text
    assert "supported" not in text


def test_a_cell_with_one_finished_seed_gets_no_test(tmp_path):
    recs = [r for r in records() if not (r["cell"]["normalization"] == "zscore" and r["seed"] > 0)]
    text = render(tmp_path, recs)
    assert "`zscore` vs `none`: no test possible at n = 1 (`zscore`) vs 5 (`none`)" in text  # counts named per side


def test_no_records_no_verdict(tmp_path):
    assert "_No finished trials yet._" in render(tmp_path, [])
