"""Loading a stored trial's best weights: rebuilt from its settings, only from the runs directory."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest

from ablations.describe.datasets import DATASETS
from ablations.describe.settings import resolve_settings
from ablations.describe.trial import TrialConfig
from ablations.run.checkpoints import UnsafeModelPathError, checkpoint_path, load_trial_model
from ablations.run.lifecycle import train_trial
from ablations.run.program import build_program


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """One tiny digits trial run as the executors run it: artifacts under runs/<matrix>/."""
    runs = tmp_path_factory.mktemp("runs")
    settings = resolve_settings(
        {
            "dataset": "digits",
            "depth": 1,
            "width": 8,
            "epochs": 3,
            "max_train_samples": 200,
            "backend": keras.backend.backend(),
            "steps_per_execution": 1,
        }
    )
    trial = TrialConfig("tiny", {}, settings, 0, DATASETS["digits"].version)
    record = train_trial(trial, artifacts_dir=runs / "tiny")
    assert record["status"] == "ok", record.get("error")
    return runs, record


def test_loads_the_best_weights_of_a_stored_trial(stored):
    runs, record = stored
    assert checkpoint_path(record, runs) == (runs / "tiny" / record["checkpoint"]).resolve()
    model = load_trial_model(record, runs)
    program = build_program(record["settings"])
    val = model.evaluate(
        program.x_val, program.y_val, batch_size=record["settings"]["batch_size"], verbose=0, return_dict=True
    )
    # ModelCheckpoint kept the epoch with the lowest validation loss.
    assert val["loss"] == pytest.approx(np.nanmin(record["history"]["val_loss"]), rel=1e-5)


def test_refuses_paths_outside_the_runs_dir_and_symlinks(stored, tmp_path):
    runs, record = stored
    with pytest.raises(UnsafeModelPathError, match=r"'\.\.'"):
        checkpoint_path({**record, "checkpoint": "../../elsewhere.weights.h5"}, runs)
    with pytest.raises(UnsafeModelPathError, match="outside"):
        checkpoint_path({**record, "matrix": str(tmp_path)}, runs)
    with pytest.raises(UnsafeModelPathError, match="only .weights.h5"):
        checkpoint_path({**record, "checkpoint": "checkpoints/model.keras"}, runs)
    link = runs / "tiny" / "checkpoints" / "link.weights.h5"
    os.symlink(runs / "tiny" / record["checkpoint"], link)
    with pytest.raises(UnsafeModelPathError, match="symlink"):
        load_trial_model({**record, "checkpoint": "checkpoints/link.weights.h5"}, runs)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        checkpoint_path({**record, "checkpoint": None}, runs)
