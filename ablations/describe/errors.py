"""The error a matrix file that cannot run raises: a leaf module, so any layer can raise it.

``str()`` is the one line the CLI prints (exit code 2): the file, the field path, what is allowed.
"""

from __future__ import annotations

from pathlib import Path


def one_line(text: str) -> str:
    """Control characters (a newline in a key) escaped, so an error stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class MatrixError(ValueError):
    """A matrix file that cannot run; ``str()`` is the one line the CLI prints."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        path, field, message = one_line(str(path)), one_line(field), one_line(message)
        self.path, self.field, self.message = path, field, message
        super().__init__(f"{path}: {field}: {message}" if field else f"{path}: {message}")

    def __reduce__(self) -> tuple[type[MatrixError], tuple[str, str, str]]:
        # Raised in a worker process (a search on another backend), it crosses back whole.
        return (MatrixError, (self.path, self.field, self.message))


__all__ = ["MatrixError", "one_line"]
