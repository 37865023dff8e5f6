"""Reading files the suite did not necessarily write: results, claims, baselines, logs.

A runs directory may be shared, copied from elsewhere or tampered with, so a stored file is
read as JSON *data* only (never pickle, never eval), without following a symlink, only if it
is a regular file under a size limit, and a record is checked against the shape the report
and the runner rely on before anyone uses it. Whatever is wrong becomes an
:class:`UntrustedFileError` with the reason, never a crash or a hang.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ablations.describe.names import TRIAL_ID_RE

MAX_RECORD_BYTES = 64 * 1024 * 1024
TRIAL_ID_PATTERN = TRIAL_ID_RE.pattern


class UntrustedFileError(ValueError):
    """A stored file that is not usable data; ``str()`` says why."""


def read_bytes(path: str | Path, *, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``.

    Refuses symlinks (``O_NOFOLLOW``), FIFOs and devices (``O_NONBLOCK`` + ``fstat``, so a
    FIFO or ``/dev/zero`` cannot block or exhaust memory) and larger files.
    Raises FileNotFoundError if there is no file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:  # ELOOP: a symlink; EACCES, ...
        kind = "a symlink" if os.path.islink(path) else f"unreadable ({exc.strerror})"
        raise UntrustedFileError(f"{kind}; results are only read from regular files") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UntrustedFileError("not a regular file")
        if info.st_size > max_bytes:
            raise UntrustedFileError(f"{info.st_size} bytes, over the {max_bytes}-byte limit")
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise UntrustedFileError(f"over the {max_bytes}-byte limit")
    return data


def read_json_data(path: str | Path, *, max_bytes: int = MAX_RECORD_BYTES) -> Any:
    """Parse one JSON file as plain data (see :func:`read_bytes` for what is refused).

    Also refuses invalid UTF-8, invalid JSON and nesting deep enough to exhaust the parser's
    recursion.
    """
    data = read_bytes(path, max_bytes=max_bytes)
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UntrustedFileError(f"not UTF-8 ({exc.reason})") from None
    except RecursionError:
        raise UntrustedFileError("JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and integers too long to convert
        raise UntrustedFileError(f"not valid JSON ({exc})".splitlines()[0]) from None


class RecordShape(BaseModel):
    """The fields of a stored result that code reads; other fields (probes...) pass through."""

    model_config = ConfigDict(extra="allow", strict=True)

    trial_id: str = Field(pattern=TRIAL_ID_PATTERN)
    cell_id: str = Field(pattern=TRIAL_ID_PATTERN)
    matrix: str
    cell: dict[str, Any]
    settings: dict[str, Any]
    seed: int
    dataset_version: str
    # Any status string: a status this version does not know is simply not "done" (rerun).
    status: str = Field(min_length=1, max_length=64)
    reason: str | None = None
    test: dict[str, float] | None = None
    history: dict[str, list[float]] | None = None
    timing: dict[str, Any] | None = None
    epochs_run: int | None = None
    best_epoch: int | None = None
    param_count: int | None = None
    n_train: int | None = None
    samples_per_s: float | None = None
    wall_s: float | None = None


def check_record(data: Any, trial_id: str) -> dict[str, Any]:
    """``data`` if it is the record of ``trial_id`` in the expected shape, else raise."""
    if not isinstance(data, dict):
        raise UntrustedFileError(f"a JSON {type(data).__name__}, not a result record")
    try:
        RecordShape.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        raise UntrustedFileError(f"not a result record: {where}: {error['msg']}") from None
    if data["trial_id"] != trial_id:
        raise UntrustedFileError(f"holds trial {data['trial_id']!r}, not {trial_id!r}")
    return data


def read_record(path: str | Path, trial_id: str) -> dict[str, Any]:
    """The checked record stored at ``path``; FileNotFoundError or UntrustedFileError."""
    return check_record(read_json_data(path), trial_id)
