"""Settings types: a quoted number is not a number, and a number is not a name, anywhere.

pydantic's lax mode read ``batch_size = "32"`` as 32; every numeric field of the core settings
and of every model family's ``Params`` must refuse a string, every name field a number.
"""

from __future__ import annotations

import pytest

from ablations.describe.model_family import MODELS
from ablations.describe.settings import CoreSettings, SettingsError, resolve_settings, type_leaves

REQUIRED = {
    "wide_deep_multi_input": {"wide_features": "age,sex", "deep_features": "bmi"},
    "wide_deep_crossed": {"cross_features": "age,bmi"},
}


def fields():
    for model in MODELS.names():
        family = MODELS.get(model)
        for schema in (CoreSettings, family.Params):
            for name, field in schema.model_fields.items():
                if name not in ("dataset", "model"):
                    # A valid value of the field, so only its type can be wrong.
                    valid = field.default if isinstance(field.default, (int, float)) else 1
                    yield (model, name), (type_leaves(field.annotation), str(valid))


CASES = dict(fields())


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda key: f"{key[0]}.{key[1]}")
def test_wrong_kind_of_value_is_refused(case):
    model, name = case
    leaves, quoted = CASES[case]
    base = {"dataset": "diabetes", "model": model, **REQUIRED.get(model, {})}
    if int in leaves or float in leaves:
        with pytest.raises(SettingsError, match=rf"^{name}: must be a number.*, not a string \(got '{quoted}'\)$"):
            resolve_settings({**base, name: quoted})
    elif bool not in leaves:  # a name: strings only (booleans have their own check)
        with pytest.raises(SettingsError, match=rf"^{name}: .*\(got 3\)$"):
            resolve_settings({**base, name: 3})


def test_ints_stay_accepted_for_floats():
    assert resolve_settings({"dataset": "digits", "learning_rate": 1, "dropout": 0})["learning_rate"] == 1.0


def test_an_unset_slot_width_resolves_by_trainer() -> None:
    """A fused trial vectorizes FUSED_SLOT_WIDTH slots a chunk; fit ignores the width (1, so a fit
    trial's id does not move with the fused default); a width the matrix sets is kept."""
    from ablations.describe.settings import FUSED_SLOT_WIDTH

    base = {"dataset": "digits", "model": "mlp"}
    assert FUSED_SLOT_WIDTH > 1
    assert resolve_settings({**base, "backend": "jax"})["fused_slot_width"] == FUSED_SLOT_WIDTH
    assert resolve_settings({**base, "backend": "jax", "trainer": "fit"})["fused_slot_width"] == 1
    assert resolve_settings({**base, "backend": "tensorflow"})["fused_slot_width"] == 1
    assert resolve_settings({**base, "backend": "jax", "fused_slot_width": 3})["fused_slot_width"] == 3


def test_early_stopping_off_is_spelled_off_in_a_matrix_file() -> None:
    """TOML has no null: ``"off"`` resolves to None, the same trial as a None set in code."""
    from ablations.describe.datasets import DATASETS
    from ablations.describe.trial import TrialConfig

    off = resolve_settings({"dataset": "digits", "early_stopping_patience": "off"})
    assert off["early_stopping_patience"] is None
    ids = {
        TrialConfig(
            "m",
            {},
            resolve_settings({"dataset": "digits", "early_stopping_patience": v}),
            0,
            DATASETS["digits"].version,
        ).trial_id
        for v in ("off", None)
    }
    assert len(ids) == 1
    with pytest.raises(
        SettingsError, match=r"^early_stopping_patience: must be a number or 'off', not a string \(got 'no'\)$"
    ):
        resolve_settings({"dataset": "digits", "early_stopping_patience": "no"})


def test_early_stopping_off_trains_every_epoch_and_tests_the_last_weights() -> None:
    """min_delta 100: no epoch after the first improves. Patience 100 trains all three epochs and
    then restores the first epoch's weights; "off" tests the third epoch's; patience 1 stops early."""
    import keras

    from ablations.describe.datasets import DATASETS
    from ablations.describe.trial import TrialConfig
    from ablations.run.lifecycle import train_trial

    def run(patience: int | str) -> dict:
        settings = resolve_settings(
            {
                "dataset": "digits",
                "depth": 1,
                "width": 8,
                "epochs": 3,
                "max_train_samples": 200,
                "early_stopping_patience": patience,
                "early_stopping_min_delta": 100.0,
                "checkpoint": False,
                "backend": keras.backend.backend(),
                "steps_per_execution": 1,
            }
        )
        record = train_trial(TrialConfig("off", {}, settings, 0, DATASETS["digits"].version))
        assert record["status"] == "ok", record.get("error")
        return record

    off, restored, stopped = run("off"), run(100), run(1)
    assert off["epochs_run"] == restored["epochs_run"] == 3 and stopped["epochs_run"] == 2
    # Same seed, same three epochs of training: only the restore tells the weights apart.
    assert off["history"]["val_loss"] == restored["history"]["val_loss"]
    assert off["weights_sha256"] != restored["weights_sha256"]
    assert off["test"] != restored["test"]
