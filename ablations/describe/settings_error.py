"""The error of invalid settings, in a leaf module: model families raise it from ``finalize``
without importing :mod:`ablations.describe.settings`, which imports them (no import cycle)."""

from __future__ import annotations


class SettingsError(ValueError):
    """Invalid settings; ``field`` names the offending setting, ``message`` says what is wrong
    and, where there is a choice, what would do."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
