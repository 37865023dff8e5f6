"""Wide & Deep families: shapes and inputs, functional == subclass, loss weights, train-only buckets."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ablations.describe.datasets import Splits
from ablations.describe.model_family import MODELS
from ablations.describe.settings import CoreSettings, SettingsError, resolve_settings

FEATURES = ("a", "b", "c", "d", "e")
CORE = CoreSettings(dataset="diabetes")
PARAMS = {
    "wide_deep_multi_input": {"wide_features": "a,b,c", "deep_features": "c,d"},
    "wide_deep_crossed": {"cross_features": "d,e", "n_buckets": 4},
}
WIDE_DEEP_MODELS = [
    "wide",
    "deep",
    "wide_deep",
    "wide_deep_subclass",
    "wide_deep_multi_input",
    "wide_deep_multi_output",
    "wide_deep_crossed",
]


def make_splits(n: int = 64, shift_eval: float = 0.0) -> Splits:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3 * n, len(FEATURES))).astype(np.float32)
    y = rng.normal(size=3 * n).astype(np.float32)
    return Splits(
        x_train=x[:n],
        y_train=y[:n],
        x_val=x[n : 2 * n] + shift_eval,
        y_val=y[n : 2 * n],
        x_test=x[2 * n :] + shift_eval,
        y_test=y[2 * n :],
        task="regression",
        feature_names=FEATURES,
        n_classes=None,
    )


def build(name: str, splits: Splits, **overrides):
    import keras

    keras.utils.set_random_seed(0)
    family = MODELS.get(name)
    params = family.Params(**(PARAMS.get(name, {}) | overrides))
    if name not in PARAMS:  # their finalize checks names against diabetes, not these fake ones
        params = family.finalize(CORE, params)
    model = family.build(CORE, params, splits)
    family.adapt(model, splits.x_train, params)
    return family, params, model


@pytest.mark.parametrize("name", WIDE_DEEP_MODELS)
def test_each_builder_gives_one_prediction_per_row(name: str) -> None:
    splits = make_splits()
    family, params, model = build(name, splits)
    x = family.inputs(splits.x_test, params, splits)
    out = model.predict(x, verbose=0)
    heads = out if isinstance(out, dict) else {"output": out}
    assert set(heads) == ({"output", "aux_output"} if name == "wide_deep_multi_output" else {"output"})
    for value in heads.values():
        assert value.shape == (len(splits.x_test), 1)
        assert np.all(np.isfinite(value))


def test_multi_input_paths_see_the_declared_columns() -> None:
    splits = make_splits()
    family, params, model = build("wide_deep_multi_input", splits)
    x = family.inputs(splits.x_train, params, splits)
    np.testing.assert_array_equal(x["wide"], splits.x_train[:, [0, 1, 2]])
    np.testing.assert_array_equal(x["deep"], splits.x_train[:, [2, 3]])
    assert model.get_layer("dense_0").kernel.shape == (2, 30)  # deep path: c, d only
    assert model.get_layer("output").kernel.shape == (3 + 30, 1)  # wide a, b, c + deep


def test_wide_is_linear_and_deep_is_the_mlp_path() -> None:
    splits = make_splits()
    _, _, wide = build("wide", splits)
    assert wide.count_params() == len(FEATURES) + 1
    _, _, deep = build("deep", splits)
    assert [layer.name for layer in deep.layers if layer.name.startswith("dense_")] == ["dense_0", "dense_1"]


def test_unknown_feature_names_are_rejected_with_the_known_ones() -> None:
    with pytest.raises(SettingsError, match="unknown feature 'agee'.*features: age, sex"):
        resolve_settings(
            {"dataset": "diabetes", "model": "wide_deep_multi_input", "wide_features": "agee", "deep_features": "bmi"}
        )
    with pytest.raises(SettingsError, match="exactly 2"):
        resolve_settings({"dataset": "diabetes", "model": "wide_deep_crossed", "cross_features": "age"})
    with pytest.raises(SettingsError, match="required but missing"):
        resolve_settings({"dataset": "diabetes", "model": "wide_deep_multi_input", "wide_features": "age"})
    family = MODELS.get("wide_deep_multi_input")
    params = family.Params(wide_features="a,zz", deep_features="b")
    with pytest.raises(ValueError, match="wide_features: unknown feature 'zz'; features: a, b, c, d, e"):
        family.inputs(make_splits().x_train, params, make_splits())


def test_functional_and_subclass_compute_the_same_given_the_same_weights() -> None:
    splits = make_splits()
    _, _, functional = build("wide_deep", splits)
    _, _, subclass = build("wide_deep_subclass", splits, depth=2)
    before = subclass.predict(splits.x_test, verbose=0)
    assert functional.count_params() == subclass.count_params()
    rng = np.random.default_rng(1)
    functional.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in functional.get_weights()])
    subclass.set_weights(functional.get_weights())
    expected = functional.predict(splits.x_test, verbose=0)
    assert not np.allclose(before, expected)  # the copied weights matter
    np.testing.assert_array_equal(subclass.predict(splits.x_test, verbose=0), expected)


@pytest.mark.parametrize("weights", [(0.9, 0.1), (0.2, 3.0)])
def test_multi_output_total_loss_uses_the_configured_weights(weights: tuple[float, float]) -> None:
    import keras

    splits = make_splits()
    family, params, model = build(
        "wide_deep_multi_output", splits, main_loss_weight=weights[0], aux_loss_weight=weights[1]
    )
    metrics = [keras.metrics.MeanSquaredError(name="mse"), keras.metrics.MeanAbsoluteError(name="mae")]
    model.compile(optimizer="adam", **family.compile_args(params, keras.losses.MeanSquaredError(), metrics))
    y = family.targets(splits.y_test.reshape(-1, 1), params)
    result = family.record_metrics(model.evaluate(splits.x_test, y, verbose=0, return_dict=True), params)
    main, aux = result["output_loss"], result["aux_output_loss"]
    assert not math.isclose(main, aux, rel_tol=1e-3)
    assert result["loss"] == pytest.approx(weights[0] * main + weights[1] * aux, rel=1e-5)
    assert result["mse"] == result["output_mse"] and result["mae"] == result["output_mae"]
    assert "aux_output_mse" in result


def test_multi_output_rejects_a_per_head_early_stopping_monitor() -> None:
    with pytest.raises(SettingsError, match="early_stopping_monitor"):
        resolve_settings(
            {"dataset": "diabetes", "model": "wide_deep_multi_output", "early_stopping_monitor": "val_mae"}
        )


def test_crossed_bucket_boundaries_come_from_the_training_split_only() -> None:
    from ablations.run.models.wide_deep import bucket_boundaries

    splits = make_splits(shift_eval=100.0)  # validation and test far outside the training range
    family, params, model = build("wide_deep_crossed", splits)
    for i, column in enumerate((3, 4)):
        boundaries = model.get_layer(f"bucket_{i}").bin_boundaries
        train = splits.x_train[:, column]
        assert boundaries == bucket_boundaries(train, 4)
        np.testing.assert_allclose(boundaries, np.quantile(train.astype(np.float64), [0.25, 0.5, 0.75]))
    # Shifted rows all land in the last bucket, hence in the same cross-product cell.
    import keras

    probe = keras.Model(model.inputs, model.get_layer("cross").output)
    crossed = probe.predict(family.inputs(splits.x_test, params, splits), verbose=0)
    assert set(np.unique(crossed)) == {3 * 4 + 3}
    train_cells = probe.predict(family.inputs(splits.x_train, params, splits), verbose=0)
    assert len(np.unique(train_cells)) > 4 and train_cells.min() >= 0 and train_cells.max() < 16


def test_runner_adapts_on_the_training_split(monkeypatch) -> None:
    from ablations.describe.trial import TrialConfig
    from ablations.run.datasets.loading import load_splits
    from ablations.run.lifecycle import train_trial
    from ablations.run.models.wide_deep import WideDeepCrossedFamily

    seen = []
    original = WideDeepCrossedFamily.adapt
    monkeypatch.setattr(
        WideDeepCrossedFamily,
        "adapt",
        lambda self, model, x, params: (seen.append(x), original(self, model, x, params)),
    )
    settings = resolve_settings(
        {
            "dataset": "diabetes",
            "model": "wide_deep_crossed",
            "cross_features": "age,bmi",
            "epochs": 1,
            "max_train_samples": 64,
            "checkpoint": False,
            "width": 4,
        }
    )
    record = train_trial(TrialConfig("t", {}, settings, 0, "v"))
    assert record["status"] == "ok", record.get("reason")
    splits = load_splits(
        "diabetes",
        split_seed=42,
        test_fraction=0.2,
        validation_fraction=0.2,
        normalization="zscore",
        max_train_samples=64,
    )
    np.testing.assert_array_equal(seen[0], splits.x_train)


def test_report_states_supported_and_unsupported_differences() -> None:
    from ablations.read.reporting.wide_deep import t_interval, verdicts

    ok = pd.DataFrame(
        {
            "model": ["deep"] * 5 + ["wide_deep"] * 5 + ["wide"] * 5,
            "test_mse": [0.40, 0.41, 0.39, 0.40, 0.41]
            + [0.33, 0.34, 0.33, 0.32, 0.33]
            + [0.42, 0.37, 0.45, 0.36, 0.40],
        }
    )
    text = verdicts(ok, ["wide", "deep", "wide_deep"])
    assert "`wide_deep` beats `deep` (p < 0.001 Holm-corrected" in text
    assert "`wide` vs `deep`: no difference detected at n = 5" in text and "smallest detectable effect" in text
    assert "`wide_deep` beats `wide` (p = 0.024 Holm-corrected" in text
    low, high = t_interval(np.array([1.0, 2.0, 3.0]))
    assert (low, high) == pytest.approx((2 - 4.302653 / math.sqrt(3), 2 + 4.302653 / math.sqrt(3)), rel=1e-5)
    assert verdicts(ok, ["wide", "deep", "wide_deep"]) == text
