"""Seeding a trial: the same initial weights as ``keras.utils.set_random_seed``, without TensorFlow off it."""

from __future__ import annotations

import json
import subprocess
import sys

from robustness_helpers import ROOT, cli_env

SCRIPT = """
import json, random, sys
import numpy as np
import keras
from ablations.run.trial_record import seed_everything

def draw():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dropout(0.5)])
    weights = [w.tolist() for w in model.get_weights()]
    noise = keras.ops.convert_to_numpy(keras.random.normal((2,))).tolist()  # the global SeedGenerator
    return weights, noise, random.random(), float(np.random.random())

seed_everything(11, "jax")
ours = draw()
tensorflow_imported = "tensorflow" in sys.modules
keras.utils.set_random_seed(11)
print(json.dumps({"same": ours == draw(), "tensorflow_imported": tensorflow_imported}))
"""


def test_jax_seeding_matches_keras_and_leaves_tensorflow_unimported():
    env = {**cli_env(), "KERAS_BACKEND": "jax"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"same": True, "tensorflow_imported": False}
