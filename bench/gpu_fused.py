"""GPU benchmark: K fused trials of the 20-layer MLP versus one Keras ``fit`` at a time.

Needs only numpy, keras and jax (the GPU machine may have no TensorFlow and no internet): the
data are synthetic (60,000 x 784 inputs, 10 classes, a fixed random linear teacher), the
model is the deep_mlp chapter's 20-layer, width-100 relu MLP, SGD with momentum, batch 256.
It reports seconds per model-epoch (one model trained for one epoch) for

- ``fit``: a few trials, one after another, Keras ``fit`` on JAX (steady epochs, compile out);
- ``fused``: K trials (K >= 32) as one program, ``ablations.run.fused.engine.FusedProgram``;

and the ratio (the goal: >= 50x trials per hour). Each configuration runs in a child
process, once with XLA's deterministic ops (``--xla_gpu_deterministic_ops=true``, which
must be set before JAX starts) and once without, so the cost of determinism is measured.

  python bench/gpu_fused.py                 # on the GPU machine
  python bench/gpu_fused.py --tiny          # CPU smoke run: 2,000 rows, K=4, 2 epochs
  python bench/gpu_fused.py --out reports/gpu_fused.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DETERMINISTIC_FLAG = "--xla_gpu_deterministic_ops=true"


def data(n: int, features: int = 784, classes: int = 10) -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, features), dtype=np.float32)
    teacher = rng.standard_normal((features, classes), dtype=np.float32)
    y = (x @ teacher + 0.5 * rng.standard_normal((n, classes), dtype=np.float32)).argmax(1).astype("int32")
    return x, y


def build(seed: int, depth: int, width: int) -> Any:
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((784,))
    x = inputs
    for i in range(depth):
        x = keras.layers.Dense(width, activation="relu", kernel_initializer="he_normal", name=f"dense_{i}")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="output")(x)
    return keras.Model(inputs, outputs)


def optimizer(lr: float = 0.01) -> Any:
    import keras

    return keras.optimizers.SGD(learning_rate=lr, momentum=0.9)


def loss_and_metrics() -> tuple[Any, list[Any]]:
    import keras

    return keras.losses.SparseCategoricalCrossentropy(), [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]


def child(args: argparse.Namespace) -> dict[str, Any]:
    import jax
    import numpy as np

    x, y = data(args.n)
    n_val = args.n // 6
    x_val, y_val, x_train, y_train = x[:n_val], y[:n_val], x[n_val:], y[n_val:]
    out: dict[str, Any] = {"devices": [str(d) for d in jax.devices()], "xla_flags": os.environ.get("XLA_FLAGS", "")}
    if args.mode == "fit":
        per_epoch, first, accuracy = [], [], []
        for seed in range(args.fit_trials):
            model = build(seed, args.depth, args.width)
            loss, metrics = loss_and_metrics()
            model.compile(optimizer(), loss, metrics=metrics, steps_per_execution=32)
            times = []
            for _ in range(args.epochs):
                t = time.perf_counter()
                model.fit(
                    x_train,
                    y_train,
                    validation_data=(x_val, y_val),
                    batch_size=args.batch_size,
                    epochs=1,
                    verbose=0,
                    shuffle=True,
                )
                times.append(time.perf_counter() - t)
            first.append(times[0])
            accuracy.append(model.evaluate(x_val, y_val, batch_size=1024, verbose=0, return_dict=True)["accuracy"])
            per_epoch.append(float(np.mean(times[1:])) if len(times) > 1 else times[0])
        out |= {
            "model_epoch_s": float(np.mean(per_epoch)),
            "first_epoch_s": float(np.mean(first)),
            "trials": args.fit_trials,
            "val_accuracy_mean": float(np.mean(accuracy)),
        }
        return out

    sys.path.insert(0, str(ROOT))
    from ablations.run.fused.engine import FusedProgram, padded_size, slot_values, stack

    slots, template = [], None
    for seed in range(args.k):
        model, opt = build(seed, args.depth, args.width), optimizer()
        opt.build(model.trainable_variables)
        slots.append(slot_values(model, opt))
        template = template or (model, opt)
    loss, metrics = loss_and_metrics()
    width = args.slot_width or None
    engine = FusedProgram(template[0], template[1], loss, metrics, batch_size=args.batch_size, slot_width=width)
    size = padded_size(args.k, width)
    state = stack(slots, pad_to=size)
    xt, yt, xv, yv = (jax.numpy.asarray(a) for a in (x_train, y_train, x_val, y_val))
    active = np.ones(size, bool)
    times, accuracy = [], None
    for epoch in range(args.epochs):
        perms = np.stack([np.random.default_rng((k, 1, epoch)).permutation(len(x_train)) for k in range(size)])
        t = time.perf_counter()
        state, _, _ = engine.train_epoch(state, perms, active, xt, yt)
        accuracy = engine.evaluate(state, xv, yv)["accuracy"]
        times.append(time.perf_counter() - t)
    steady = float(np.mean(times[1:])) if len(times) > 1 else times[0]
    out |= {
        "group_epoch_s": steady,
        "model_epoch_s": steady / args.k,
        "first_epoch_s": times[0],
        "k": args.k,
        "slot_width": width,
        "val_accuracy_mean": float(np.mean(accuracy[: args.k])),
    }
    return out


def run(args: argparse.Namespace, mode: str, deterministic: bool) -> dict[str, Any]:
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    flags = env.get("XLA_FLAGS", "").replace(DETERMINISTIC_FLAG, "").strip()
    env["XLA_FLAGS"] = f"{flags} {DETERMINISTIC_FLAG}".strip() if deterministic else flags
    env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    argv = [sys.executable, __file__, "--child", mode] + [
        f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k not in ("child", "out", "tiny", "mode")
    ]
    t = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"mode": mode, "deterministic": deterministic, "error": proc.stderr[-2000:]}
    return {"mode": mode, "deterministic": deterministic, "wall_s": time.perf_counter() - t, **json.loads(lines[-1])}


def page(args: argparse.Namespace, rows: list[dict[str, Any]]) -> str:
    lines = [
        "# Fused trials on a GPU (generated by bench/gpu_fused.py)",
        "",
        (
            f"Synthetic {args.n:,} x 784, {args.depth}-layer width-{args.width} relu MLP, SGD momentum 0.9, "
            f"batch {args.batch_size}, {args.epochs} epochs; fused K={args.k} (slot width "
            f"{args.slot_width or 'all'}), fit {args.fit_trials} trials one at a time. Seconds per model-epoch "
            "(steady epochs, validation included)."
        ),
        "",
        "| mode | deterministic ops | devices | s per model-epoch | first epoch s | note |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        note = r.get("error", "").splitlines()[-1:] if "error" in r else [f"val acc {r.get('val_accuracy_mean', '')}"]
        lines.append(
            f"| {r['mode']} | {r['deterministic']} | {', '.join(r.get('devices', []))} | "
            f"{r.get('model_epoch_s', float('nan')):.5f} | {r.get('first_epoch_s', float('nan')):.2f} | "
            f"{' '.join(note)} |"
        )
    by = {(r["mode"], r["deterministic"]): r.get("model_epoch_s") for r in rows}
    for det in (True, False):
        if by.get(("fit", det)) and by.get(("fused", det)):
            lines.append(
                f"\nTrials per hour, fused / fit (deterministic={det}): {by[('fit', det)] / by[('fused', det)]:.1f}x"
            )
    if by.get(("fused", True)) and by.get(("fused", False)):
        lines.append(f"\nDeterministic ops cost (fused): {by[('fused', True)] / by[('fused', False)]:.2f}x time")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="CPU smoke run: tiny sizes")
    parser.add_argument("--n", type=int, default=60_000)
    parser.add_argument("--k", type=int, default=32)
    parser.add_argument("--depth", type=int, default=20)
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--fit-trials", type=int, default=3)
    parser.add_argument("--slot-width", type=int, default=0, help="0: one vmap over all K slots (fastest)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", dest="mode", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(child(args)), flush=True)
        return
    if args.tiny:
        args.n, args.k, args.depth, args.epochs, args.fit_trials = 2_000, 4, 3, 2, 1
    rows = [run(args, mode, det) for det in (True, False) for mode in ("fused", "fit")]
    text = page(args, rows)
    print(text)
    for r in rows:
        print(json.dumps(r))
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
