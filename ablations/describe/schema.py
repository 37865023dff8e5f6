"""The schema of a matrix file: its tables and keys as pydantic models, and its error wording.

:mod:`ablations.describe.spec` parses a file against these models and expands it; keeping the
schema apart lets a reader see every key a matrix may have in one place.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ablations.describe.core_settings import CORE_FIELDS
from ablations.describe.kinds import MATRIX_KINDS
from ablations.describe.search_space import SearchOverride, SearchTable, clean_param_loc

Scalar = str | int | float | bool
Seed = Annotated[int, Field(ge=0, lt=2**32)]  # what NumPy and the backends accept
MAX_CELLS_HARD = 1_000_000


class ProfileSpec(BaseModel):
    """Overrides of the base matrix; ``axes`` replaces or adds axes, ``fixed`` settles them."""

    # strict: "5" is not a number and 5 is not a string, anywhere in the file.
    model_config = ConfigDict(extra="forbid", strict=True)

    description: str = ""
    seeds: list[Seed] | None = Field(None, min_length=1)
    fixed: dict[str, Scalar] = {}
    axes: dict[str, list[Scalar]] = {}
    exclude: list[dict[str, Scalar]] | None = None
    include: list[dict[str, Scalar]] | None = None
    cell_limit: int | None = Field(None, ge=1, le=MAX_CELLS_HARD)
    search: SearchOverride | None = None


class MatrixFile(BaseModel):
    """The schema of a matrix file."""

    model_config = ConfigDict(extra="forbid", strict=True)

    description: str = ""
    # A name in ablations.describe.kinds.MATRIX_KINDS: "trials" (the default), "search" (the axis
    # ``strategy`` names a hyperparameter search over ``search.space``), or a plugin's kind.
    kind: str = "trials"
    seeds: list[Seed] = Field(min_length=1)
    cell_limit: int = Field(2000, ge=1, le=MAX_CELLS_HARD)
    fixed: dict[str, Scalar] = {}
    axes: dict[str, list[Scalar]] = {}
    exclude: list[dict[str, Scalar]] = []
    include: list[dict[str, Scalar]] = []
    profiles: dict[str, ProfileSpec] = {}
    report_sections: list[str] = []
    # metric -> tolerance for ``ablations check``, e.g. test_accuracy = "abs:0.02" (see
    # ablations.describe.tolerance); metrics not named use their defaults.
    tolerances: dict[str, str] = {}
    search: SearchTable | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in MATRIX_KINDS:
            raise ValueError(f"unknown matrix kind {kind!r}; known: {', '.join(MATRIX_KINDS.names())}")
        return kind


def field_path(parts: tuple[Any, ...]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_message(exc: ValidationError) -> tuple[str, str]:
    """(field path, message) for pydantic's first error, in a matrix author's words."""
    errors = exc.errors()
    error = errors[0]
    loc = clean_param_loc(tuple(error["loc"]))
    if error["type"] == "extra_forbidden":
        model = MatrixFile if len(loc) == 1 else ProfileSpec
        close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        if loc[-1] in CORE_FIELDS:
            hint = f"settings go in {'fixed' if len(loc) == 1 else field_path(loc[:-1]) + '.fixed'}; "
        return field_path(loc), f"unknown key; {hint}allowed: {', '.join(model.model_fields)}"
    # A value that fits no member of str | int | float | bool: pydantic reports each member.
    members = {"str", "int", "float", "bool"}
    if loc and loc[-1] in members and len(errors) > 1 and tuple(errors[1]["loc"])[:-1] == loc[:-1]:
        return field_path(loc[:-1]), f"must be a string, number or boolean (got {short_repr(error['input'])})"
    if error["type"] == "missing":
        return field_path(loc), "required but missing"
    if error["type"] == "value_error":
        # Our own validators' messages name the value already; pydantic's prefix and the
        # whole input table are noise.
        return field_path(loc), str(error["ctx"]["error"])
    message = error["msg"]
    if error["type"] == "dict_type":
        message = "must be a table (key = value pairs)"
    return field_path(loc), f"{message} (got {short_repr(error['input'])})"


def short_repr(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
