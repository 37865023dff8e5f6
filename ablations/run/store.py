"""Result store: one JSON file per trial under ``runs/<matrix>/``, written atomically.

A result appears whole or not at all (temporary file, fsync, rename), so a killed run never
leaves half a result, and a rerun finds every finished trial again. A trial being run holds a
create-exclusive claim file, so two runs or two workers never run the same trial at once.
Every claim taken is also one line appended to ``attempts.log``, so a trial that ran twice
(or a run killed mid-trial) can be seen afterwards.
Files are parsed as JSON data only: nothing stored is ever unpickled or evaluated, and a file
that is not a well-formed record (see :mod:`ablations.run.untrusted`) is moved aside, not used.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ablations.describe.names import NAME_RE, TRIAL_ID_RE
from ablations.describe.status import FINAL, RETRYABLE, Status
from ablations.run.untrusted import MAX_RECORD_BYTES, UntrustedFileError, read_bytes, read_json_data, read_record

log = logging.getLogger(__name__)
ATTEMPTS_LOG = "attempts.log"
MAX_CLAIM_BYTES = 4096


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


def pid_alive(pid: int) -> bool:
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
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"runs directory {str(self.root)!r} is not a directory; pass another --runs-dir")
        self.matrix = matrix
        self.dir = self.root / matrix
        # Results stored after this moment were made by a concurrent run (see claim).
        self.opened_at = time.time()

    def _path(self, trial_id: str, suffix: str = ".json") -> Path:
        if not TRIAL_ID_RE.match(trial_id):
            raise StoreError(f"trial id {trial_id!r} is not 16 hex digits")
        return self.dir / f"{trial_id}{suffix}"

    # -- results ----------------------------------------------------------------------------
    def get(self, trial_id: str) -> dict[str, Any] | None:
        """The stored record, or None if there is none or it is not a usable record."""
        path = self._path(trial_id)
        try:
            return read_record(path, trial_id)
        except FileNotFoundError:
            return None
        except UntrustedFileError as exc:
            # Cannot come from this store's atomic writes; keep the evidence, rerun the trial.
            self._set_aside(path, str(exc))
            return None

    def _set_aside(self, path: Path, why: str) -> None:
        aside = path.with_name(f"{path.name}.rejected-{time.time_ns()}")
        try:
            os.rename(path, aside)  # renames a symlink itself, never its target
        except FileNotFoundError:
            return  # another reader moved it first
        log.warning("%s is not a usable result (%s); moved to %s, the trial will rerun", path, why, aside.name)

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
        statuses = FINAL - RETRYABLE if retry_failed else FINAL
        return record.get("status") in statuses

    # -- claims -----------------------------------------------------------------------------
    def claim(self, trial_id: str) -> bool:
        """Take the right to run a trial; False if a live process holds it.

        Also False if another run stored the trial's result after this store was opened:
        the caller chose its trials before that, so running it would run it twice.
        """
        path = self._path(trial_id, ".claim")
        self.dir.mkdir(parents=True, exist_ok=True)
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "time": time.time()}
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                with self._takeover_lock():
                    # Checked and removed under one lock: two runs that both find a dead
                    # owner's claim cannot both take it (the second sees the first's new claim).
                    if not self._claim_is_stale(path):
                        return False
                    path.unlink(missing_ok=True)
                    self._clear_debris(trial_id)
                continue
            if self._stored_since_opened(trial_id):
                os.close(fd)
                path.unlink(missing_ok=True)
                return False
            with os.fdopen(fd, "w") as handle:
                json.dump(owner, handle)
            try:
                self._log_attempt(trial_id, owner)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            return True
        return False

    def _stored_since_opened(self, trial_id: str) -> bool:
        try:
            return self._path(trial_id).lstat().st_mtime > self.opened_at
        except FileNotFoundError:
            return False

    def _log_attempt(self, trial_id: str, owner: dict[str, Any]) -> None:
        """One line per claim; O_APPEND writes of one short line do not interleave."""
        line = json.dumps({"trial_id": trial_id, **owner}, sort_keys=True) + "\n"
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
        try:
            fd = os.open(self.dir / ATTEMPTS_LOG, flags, 0o644)
        except OSError as exc:  # ELOOP: a symlink planted in place of the log
            raise StoreError(
                f"cannot append to {self.dir / ATTEMPTS_LOG} ({exc.strerror}); it must be a regular file"
            ) from None
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def attempts(self) -> list[dict[str, Any]]:
        """Every claim ever taken in this store, oldest first (unparsable lines skipped)."""
        try:
            text = read_bytes(self.dir / ATTEMPTS_LOG, max_bytes=MAX_RECORD_BYTES)
        except (FileNotFoundError, UntrustedFileError):
            return []
        out = []
        for line in text.decode("utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("trial_id"), str):
                out.append(entry)
        return out

    def unfinished(self, trial_id: str, *, attempted: set[str] | None = None) -> tuple[str, str] | None:
        """(status, reason) for a trial without a record that was started: running or killed.

        ``attempted`` (the trial ids in :meth:`attempts`) saves rereading the log per trial.
        """
        path = self._path(trial_id, ".claim")
        if path.exists() or path.is_symlink():
            if not self._claim_is_stale(path):
                return "running", "claimed by a live process"
            return Status.KILLED, "its run died mid-trial (stale claim); rerun to retry"
        if attempted is None:
            attempted = {a["trial_id"] for a in self.attempts()}
        if trial_id in attempted:
            return Status.KILLED, "started but never finished (run killed or interrupted); rerun to retry"
        return None

    def _claim_is_stale(self, path: Path) -> bool:
        """A claim of a dead process on this host, or an unreadable one, may be taken over."""
        try:
            owner = read_json_data(path, max_bytes=MAX_CLAIM_BYTES)
            pid, host = int(owner["pid"]), str(owner["host"])
        except FileNotFoundError:
            return True
        except (OSError, ValueError, KeyError, TypeError):
            # Unreadable (a claim being written, or junk): stale once it is a minute old.
            try:
                return time.time() - path.lstat().st_mtime > 60
            except FileNotFoundError:
                return True
        return host == socket.gethostname() and not pid_alive(pid)

    @contextlib.contextmanager
    def _takeover_lock(self) -> Iterator[None]:
        fd = os.open(self.dir / ".takeover.lock", os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _clear_debris(self, trial_id: str) -> None:
        """Temporary files of a dead claim's owner (killed between write and rename)."""
        for tmp in self.dir.glob(f".{trial_id}.json.*.tmp"):
            tmp.unlink(missing_ok=True)

    def release(self, trial_id: str) -> None:
        self._path(trial_id, ".claim").unlink(missing_ok=True)
