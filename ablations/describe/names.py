"""Names that become paths, and the trial-id pattern: a leaf module the store can import.

Matrix, profile and search names are checked against :data:`NAME_RE` before they are used in a
path, so nothing from a matrix file writes outside the runs directory.
"""

from __future__ import annotations

import re

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NAME_RULE = "a-z, 0-9, '_' and '-' only, starting with a letter or digit (<= 64 chars)"
TRIAL_ID_LENGTH = 16
TRIAL_ID_RE = re.compile(rf"^[0-9a-f]{{{TRIAL_ID_LENGTH}}}$")


def is_valid_name(name: str) -> bool:
    return bool(NAME_RE.match(name))


__all__ = ["NAME_RE", "NAME_RULE", "TRIAL_ID_LENGTH", "TRIAL_ID_RE", "is_valid_name"]
