"""Loading saved Keras models from a runs directory without running code from the file.

The suite itself only writes best-weights checkpoints (``.weights.h5``: arrays, no code) and
never needs to load a whole model. Loading one for analysis goes through
:func:`load_saved_model`, which keeps the path inside the runs directory and uses Keras'
``safe_mode=True``: a ``.keras`` file with a ``Lambda`` layer (arbitrary Python bytecode) is
refused instead of executed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
