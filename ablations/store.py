"""Result store: one JSON file per trial under ``runs/<matrix>/``, written atomically.

A result appears whole or not at all (temporary file, fsync, rename), so a killed run never
leaves half a result, and a rerun finds every finished trial again. A trial being run holds a
create-exclusive claim file, so two runs or two workers never run the same trial at once.
Files are parsed as JSON data only: nothing stored is ever unpickled or evaluated.
"""

from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ablations.spec import NAME_RE

TRIAL_ID_RE = re.compile(r"^[0-9a-f]{16}$")
FINAL_STATUSES = frozenset({"ok", "diverged", "failed", "timeout"})
RETRYABLE_STATUSES = frozenset({"failed", "timeout"})


class StoreError(RuntimeError):
    pass


def atomic_write_json(path: Path, data: Any) -> None:
    """Write ``data`` so that ``path`` holds either the old or the complete new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True, allow_nan=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ResultStore:
    """The results of one matrix."""

    def __init__(self, root: str | Path, matrix: str) -> None:
        if not NAME_RE.match(matrix):
            raise StoreError(f"matrix name {matrix!r} is not a safe directory name")
        self.root = Path(root)
        self.matrix = matrix
        self.dir = self.root / matrix

    def _path(self, trial_id: str, suffix: str = ".json") -> Path:
        if not TRIAL_ID_RE.match(trial_id):
            raise StoreError(f"trial id {trial_id!r} is not 16 hex digits")
        return self.dir / f"{trial_id}{suffix}"

    # -- results ----------------------------------------------------------------------------
    def get(self, trial_id: str) -> dict[str, Any] | None:
        path = self._path(trial_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            record = json.loads(text)
        except json.JSONDecodeError:
            # Cannot come from this store's atomic writes; keep the evidence, rerun the trial.
            path.rename(path.with_suffix(f".corrupt-{int(time.time())}"))
            return None
        return record if isinstance(record, dict) and record.get("trial_id") == trial_id else None

    def put(self, record: dict[str, Any]) -> Path:
        path = self._path(record["trial_id"])
        atomic_write_json(path, record)
        return path

    def ids(self) -> list[str]:
        if not self.dir.exists():
            return []
        return sorted(p.stem for p in self.dir.glob("*.json") if TRIAL_ID_RE.match(p.stem))

    def records(self, trial_ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
        for trial_id in self.ids() if trial_ids is None else trial_ids:
            record = self.get(trial_id)
            if record is not None:
                yield record

    def is_done(self, trial_id: str, *, retry_failed: bool = False) -> bool:
        record = self.get(trial_id)
        if record is None:
            return False
        statuses = FINAL_STATUSES - RETRYABLE_STATUSES if retry_failed else FINAL_STATUSES
        return record.get("status") in statuses

    # -- claims -----------------------------------------------------------------------------
    def claim(self, trial_id: str) -> bool:
        """Take the right to run a trial; False if a live process holds it."""
        path = self._path(trial_id, ".claim")
        self.dir.mkdir(parents=True, exist_ok=True)
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "time": time.time()}
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if not self._claim_is_stale(path):
                    return False
                path.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as handle:
                json.dump(owner, handle)
            return True
        return False

    def _claim_is_stale(self, path: Path) -> bool:
        """A claim of a dead process on this host, or an unreadable one, may be taken over."""
        try:
            owner = json.loads(path.read_text())
            pid, host = int(owner["pid"]), str(owner["host"])
        except (OSError, ValueError, KeyError, TypeError):
            try:
                return time.time() - path.stat().st_mtime > 60
            except FileNotFoundError:
                return True
        return host == socket.gethostname() and not _pid_alive(pid)

    def release(self, trial_id: str) -> None:
        self._path(trial_id, ".claim").unlink(missing_ok=True)
