"""Loading what a run stored, from a runs directory, without running code from a file.

The runner writes best-weights checkpoints (``<runs>/<matrix>/checkpoints/<trial_id>.weights.h5``:
arrays, no code). :func:`load_trial_model` gives a stored trial's model with those weights for
analysis: the model is rebuilt through the trial program from the record's settings, so the
only thing read from disk is arrays. :func:`load_saved_model` loads a whole ``.keras`` model
in Keras' ``safe_mode=True`` (a ``Lambda`` layer's bytecode is refused, not executed). Both
keep the path inside the runs directory: record fields are untrusted data, and "../../x" or a
symlink must not pick the file that is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

WEIGHTS_SUFFIX = ".weights.h5"


class UnsafeModelPathError(ValueError):
    """A model path that leaves the directory it must come from."""


def confined(path: str | Path, root: str | Path) -> Path:
    """``path`` (relative to ``root`` or absolute) if it resolves inside ``root``, else raise.

    Record fields such as ``checkpoint`` are untrusted data; "../../x" or a symlink out of
    the runs directory must not pick the file that is loaded.
    """
    root = Path(root).resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise UnsafeModelPathError(f"{path} is outside {root}; models are only loaded from the runs directory")
    return target


def load_saved_model(path: str | Path, *, root: str | Path) -> Any:
    """A ``.keras`` model saved under ``root``, deserialized in Keras' safe mode, uncompiled."""
    import keras

    target = confined(path, root)
    if target.suffix != ".keras":
        raise UnsafeModelPathError(f"{target.name}: only .keras files are loaded (no legacy formats)")
    return keras.saving.load_model(target, compile=False, safe_mode=True)


def checkpoint_path(record: dict[str, Any], runs_dir: str | Path) -> Path:
    """The checkpoint file of a stored trial record, checked: a ``.weights.h5`` file inside
    ``runs_dir``, reached without a symlink. Raises UnsafeModelPathError or FileNotFoundError."""
    relative = record.get("checkpoint")
    trial_id = record.get("trial_id", "?")
    if not isinstance(relative, str) or not relative:
        raise FileNotFoundError(f"trial {trial_id} has no checkpoint (checkpoint = false, or it did not train)")
    if not relative.endswith(WEIGHTS_SUFFIX):
        raise UnsafeModelPathError(f"{relative}: only {WEIGHTS_SUFFIX} checkpoints are loaded")
    root = Path(runs_dir)
    inner = Path(str(record.get("matrix", ""))) / relative
    if ".." in inner.parts:
        raise UnsafeModelPathError(
            f"{inner}: '..' in a checkpoint path; checkpoints are only loaded from the runs directory"
        )
    target = confined(inner, root)
    unresolved = root / inner
    for part in (unresolved, *unresolved.parents):
        if part == root:
            break
        if part.is_symlink():
            raise UnsafeModelPathError(f"{part} is a symlink; checkpoints are only loaded from plain files")
    if not target.is_file():
        raise FileNotFoundError(f"trial {trial_id}: checkpoint {target} not found")
    return target


def load_trial_model(record: dict[str, Any], runs_dir: str | Path) -> Any:
    """A stored trial's model with its best weights (the checkpoint), compiled as it trained.

    The model is rebuilt from ``record["settings"]`` through :func:`ablations.run.program.build_program`
    (the data set is loaded to size the model), then ``load_weights`` reads the checkpoint.
    """
    from ablations.describe.settings import resolve_settings
    from ablations.run.program import build_program

    path = checkpoint_path(record, runs_dir)
    program = build_program(resolve_settings(record["settings"]))
    model = program.build_model()
    if not model.built:  # a subclassed model makes its weights on its first call
        import keras

        model(keras.tree.map_structure(lambda array: array[:1], program.x_train))
    model.load_weights(path)  # before compile: the optimizer's saved state is not wanted
    program.compile(model, steps_per_execution=1)
    return model
