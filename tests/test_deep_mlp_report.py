"""The deep-MLP report sections: numbers from records, generated text, same bytes twice."""

from __future__ import annotations

from pathlib import Path

from ablations.describe.sections import SECTIONS
from ablations.describe.spec import load_matrix
from ablations.read.reporting.context import ReportContext
from ablations.read.reporting.results import trial_frame

MATRIX = Path(__file__).resolve().parent.parent / "ablations" / "matrices" / "deep_mlp.toml"
# log10 of first/last gradient ratio at initialization, per (activation, batch_norm), depth 20.
DEEP_LOG_RATIO = {("sigmoid", "none"): -12.0, ("sigmoid", "before"): -1.0, ("selu", "none"): -0.5}


def fake_record(depth, activation, bn, seed):
    layers = [f"dense_{i}" for i in range(depth)] + ["output"]
    log_ratio = DEEP_LOG_RATIO[(activation, bn)] * (depth / 20)
    probes = []
    for epoch in (0, 10):
        for position, name in enumerate(layers):
            # Linear in log space from the first layer (log_ratio) to the output layer (0).
            value = 10 ** (log_ratio * (1 - position / (len(layers) - 1)) + 0.01 * seed)
            probes.append(
                {"epoch": epoch, "layer_index": 1 + 3 * position, "layer": name, "kind": "grad_kernel", "value": value}
            )
            if name != "output":
                act = f"act_{position}"
                probes.append(
                    {
                        "epoch": epoch,
                        "layer_index": 3 + 3 * position,
                        "layer": act,
                        "kind": "act_mean",
                        "value": 0.1 * position,
                    }
                )
                probes.append(
                    {
                        "epoch": epoch,
                        "layer_index": 3 + 3 * position,
                        "layer": act,
                        "kind": "act_std",
                        "value": 1.0 / (1 + position),
                    }
                )
    settings = {
        "dataset": "mnist1d",
        "depth": depth,
        "activation": activation,
        "batch_norm": bn,
        "dropout": 0.0,
        "batch_size": 32,
    }
    accuracy = 0.1 if (activation, bn, depth) == ("sigmoid", "none", 20) else 0.6 + 0.01 * seed
    return {
        "trial_id": f"{depth}{activation}{bn}{seed}",
        "cell_id": f"{depth}{activation}{bn}",
        "seed": seed,
        "status": "ok",
        "cell": {"depth": depth, "activation": activation, "batch_norm": bn, "dropout": 0.0},
        "settings": settings,
        "test": {"accuracy": accuracy, "loss": 1.0},
        "epochs_run": 10,
        "n_train": 3200,
        "history": {"val_accuracy": [accuracy] * 10, "val_loss": [1.0] * 10},
        "probes": probes,
    }


def context(tmp_path):
    records = [fake_record(d, a, b, s) for d in (2, 20) for (a, b) in DEEP_LOG_RATIO for s in (0, 1)]
    axes = ["depth", "activation", "batch_norm", "dropout"]
    return ReportContext(
        load_matrix(MATRIX), "default", records, trial_frame(records, axes), axes, tmp_path, tmp_path / "deep_mlp"
    )


def render(tmp_path):
    ctx = context(tmp_path)
    names = load_matrix(MATRIX).spec.report_sections
    return "\n".join(SECTIONS.get(name)(ctx) for name in names)


def test_sections_render_the_measured_numbers_deterministically(tmp_path):
    first = render(tmp_path / "a")
    second = render(tmp_path / "b")
    assert first == second
    for name in ("gradient_norms", "accuracy_heatmaps", "deep_learning_curves", "activation_stats"):
        assert (tmp_path / "a" / "deep_mlp" / f"{name}.png").read_bytes() == (
            tmp_path / "b" / "deep_mlp" / f"{name}.png"
        ).read_bytes()
    # Seeds 0 and 1 shift log10 by 0.00 and 0.01 equally at both ends: the ratio is exact.
    assert "20-layer sigmoid (12.0)" in first
    assert "ratio of 1.0e-12" in first
    assert "batch norm before the activation gives 1.0e-01 (11.0 orders of magnitude higher)" in first
    assert "SELU instead of sigmoid gives 3.2e-01" in first
    assert "| 20      | sigmoid      | none         | 0.0       | 1.0e-12" in first
    assert "10.0% (sigmoid, batch norm none)" in first
    assert "this suite: MLP, 2 hidden ReLU layers" not in first  # no relu cell in these records
    assert "68%" in first


def test_findings_without_probes_say_how_to_get_them(tmp_path):
    ctx = context(tmp_path)
    for record in ctx.records:
        record.pop("probes")
    text = SECTIONS.get("deep_mlp_findings")(ctx)
    assert "probe_every" in text


def test_findings_test_the_chapters_pairs_with_the_shared_statistics(tmp_path):
    # Depth 20: sigmoid without batch norm 0.1 on every seed, with batch norm 0.6-0.61: paired.
    text = SECTIONS.get("deep_mlp_findings")(context(tmp_path))
    assert "Test accuracy at depth 20, tested (paired t-test over seeds" in text
    assert "Holm over 1 pairs" in text  # only sigmoid none/before of the chapter's pairs is present
    assert "batch norm before the activation: `sigmoid, BN before` beats `sigmoid` (p = 0.0063 Holm-corrected" in text
    assert "(too few seeds for Hedges' g), n = 2 paired seeds" in text


def test_findings_say_what_a_pair_could_not_detect(tmp_path):
    records = [fake_record(20, "sigmoid", bn, s) for bn in ("none", "before") for s in (0, 1, 2)]
    noisy = {
        ("none", 0): 0.50,
        ("none", 1): 0.60,
        ("none", 2): 0.55,
        ("before", 0): 0.58,
        ("before", 1): 0.52,
        ("before", 2): 0.57,
    }
    for record in records:  # no consistent difference between the two cells
        record["test"]["accuracy"] = noisy[(record["settings"]["batch_norm"], record["seed"])]
    axes = ["depth", "activation", "batch_norm", "dropout"]
    ctx = ReportContext(
        load_matrix(MATRIX), "default", records, trial_frame(records, axes), axes, tmp_path, tmp_path / "d"
    )
    text = SECTIONS.get("deep_mlp_findings")(ctx)
    assert "no difference detected at n = 3 paired seeds" in text and "smallest detectable effect" in text
    for record in records:
        record.pop("probes")
    assert "no difference detected at n = 3 paired seeds" in SECTIONS.get("deep_mlp_findings")(
        ReportContext(
            load_matrix(MATRIX), "default", records, trial_frame(records, axes), axes, tmp_path, tmp_path / "e"
        )
    )
