"""JAX's persistent compilation cache: a program compiled once on this machine is loaded, not
compiled again, by every later process that trains the same program.

Small trials are compile-bound (a digits trial's first epoch costs seconds, a steady one
hundredths), and every worker process, rerun and resume used to compile its programs anew.
The cache lives in ``$ABLATIONS_COMPILE_CACHE`` if set (``off`` disables it), else in the
user's cache directory: ``$XDG_CACHE_HOME/keras-ablations/jax`` (``~/.cache/...`` by default).
A cached executable is the program XLA compiled, so a trial's bits do not depend on whether
its program came from the cache.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "ABLATIONS_COMPILE_CACHE"
# Programs that compile faster than this are not worth a file (XLA's default is 1 s, which
# would leave out most of a small trial's programs).
MIN_COMPILE_S = 0.2

_enabled: str | None = None


def cache_dir() -> Path | None:
    """Where compiled programs are kept (None: the cache is off)."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if value.lower() == "off":
        return None
    if value:
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "keras-ablations" / "jax"


def enable_compile_cache() -> str | None:
    """Point JAX at the cache (idempotent); the directory used, or None when off."""
    global _enabled
    if _enabled is not None:
        return _enabled
    path = cache_dir()
    if path is None:
        return None
    import jax

    path.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_S)
    _enabled = str(path)
    return _enabled
