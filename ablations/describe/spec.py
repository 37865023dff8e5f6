"""Matrix files: read, validate the whole file, expand a profile into trials (the schema's
tables are :mod:`ablations.describe.schema`).

A matrix file (TOML) holds ``seeds``, ``fixed`` settings, ``axes`` whose Cartesian product gives
the cells, ``[[exclude]]`` / ``[[include]]`` rules and named
``profiles`` that override any of those. Every error is a :class:`MatrixError`: one line naming
the file, the field path and what is allowed.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ablations.describe.errors import MatrixError
from ablations.describe.kinds import MATRIX_KINDS, MatrixKind
from ablations.describe.names import NAME_RE
from ablations.describe.schema import MatrixFile, field_path, schema_message
from ablations.describe.settings import SettingsError, resolve_settings
from ablations.describe.trial import TrialConfig, canonical_json

DEFAULT_PROFILE = "default"
MAX_TRIALS = 1_000_000  # cells x seeds, checked before anything is expanded
MAX_MATRIX_BYTES = 1024 * 1024
# Lists and tables nested deeper than this are refused before validation: the schema needs
# four levels (profiles.smoke.fixed.x), and Python's recursion must never be what stops a file.
MAX_NESTING = 32


@dataclass(frozen=True)
class Profile:
    """A profile with the base matrix's values filled in; ``prefix`` locates its fields."""

    name: str
    seeds: list[int]
    fixed: dict[str, Any]
    axes: dict[str, list[Any]]
    exclude: list[dict[str, Any]]
    include: list[dict[str, Any]]
    cell_limit: int
    where: dict[str, str]  # setting or rule -> the file path of the table it came from

    def n_product(self) -> int:
        n = 1
        for values in self.axes.values():
            n *= len(values)
        return n


class Matrix:
    """A validated matrix file. ``trials(profile)`` expands one profile deterministically."""

    def __init__(self, path: Path, spec: MatrixFile) -> None:
        self.path = path
        self.name = path.stem
        self.spec = spec

    @property
    def kind(self) -> MatrixKind:
        """The kind that expands, runs and reports this matrix (``kind`` in the file)."""
        return MATRIX_KINDS.get(self.spec.kind)

    # -- profiles ---------------------------------------------------------------------------
    def profile_names(self) -> list[str]:
        return [DEFAULT_PROFILE] + sorted(p for p in self.spec.profiles if p != DEFAULT_PROFILE)

    def profile(self, name: str) -> Profile:
        spec = self.spec
        where = {f"fixed.{k}": f"fixed.{k}" for k in spec.fixed} | {f"axes.{k}": f"axes.{k}" for k in spec.axes}
        seeds, fixed, axes = list(spec.seeds), dict(spec.fixed), dict(spec.axes)
        exclude, include, limit = list(spec.exclude), list(spec.include), spec.cell_limit
        rules_at = {"exclude": "exclude", "include": "include"}
        if name not in spec.profiles and name != DEFAULT_PROFILE:
            raise MatrixError(
                self.path, "profiles", f"no profile {name!r}; profiles: {', '.join(self.profile_names())}"
            )
        if name in spec.profiles:
            over = spec.profiles[name]
            at = f"profiles.{name}"
            seeds = over.seeds if over.seeds is not None else seeds
            for key, value in over.fixed.items():
                fixed[key] = value
                axes.pop(key, None)
                where[f"fixed.{key}"] = f"{at}.fixed.{key}"
            for key, values in over.axes.items():
                axes[key] = values
                fixed.pop(key, None)
                where[f"axes.{key}"] = f"{at}.axes.{key}"
            if over.exclude is not None:
                exclude, rules_at["exclude"] = over.exclude, f"{at}.exclude"
            if over.include is not None:
                include, rules_at["include"] = over.include, f"{at}.include"
            limit = over.cell_limit or limit
        where |= rules_at
        return Profile(name, seeds, fixed, axes, exclude, include, limit, where)

    # -- expansion --------------------------------------------------------------------------
    def cells(self, profile: Profile) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(cell labels, settings before defaults) per cell, in file order of the axes."""
        return self._expand(profile)[0]

    def _expand(self, profile: Profile) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], set[str]]:
        """The cells, and the locations of the rules that matched at least one.

        ``[[exclude]]`` drops the cells whose axis values equal all of its entries.
        ``[[include]]`` adds its other settings to the cells whose axis values equal its axis
        entries (GitHub Actions' extension rule, without its creation of new cells).
        """
        keys = list(profile.axes)
        product = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*profile.axes.values())]
        used: set[str] = set()
        for i, rule in enumerate(profile.exclude):
            at = f"{profile.where['exclude']}[{i}]"
            for key in rule:
                if key not in profile.axes and f"axes.{key}" not in self._all_axes():
                    raise MatrixError(self.path, f"{at}.{key}", f"not an axis; axes: {', '.join(keys) or '(none)'}")
            if any(all(c.get(k) == v for k, v in rule.items()) for c in product):
                used.add(at)
        cells: list[tuple[dict[str, Any], dict[str, Any]]] = [
            (c, {}) for c in product if not any(all(c.get(k) == v for k, v in r.items()) for r in profile.exclude)
        ]
        for i, entry in enumerate(profile.include):
            at = f"{profile.where['include']}[{i}]"
            if not any(key in profile.axes or f"axes.{key}" in self._all_axes() for key in entry):
                raise MatrixError(self.path, at, "names no axis to match; put settings for every cell in [fixed]")
            for labels, extra in cells:
                matches = all(labels.get(k) == v for k, v in entry.items() if k in profile.axes)
                if matches and any(k in profile.axes for k in entry):
                    extra.update({k: v for k, v in entry.items() if k not in profile.axes})
                    used.add(at)
        return [(labels, {**profile.fixed, **extra, **labels}) for labels, extra in cells], used

    def _all_axes(self) -> set[str]:
        names = {f"axes.{k}" for k in self.spec.axes}
        for over in self.spec.profiles.values():
            names |= {f"axes.{k}" for k in over.axes}
        return names

    def trials(self, profile_name: str = DEFAULT_PROFILE) -> list[TrialConfig]:
        """Every trial of a profile known before running (cells in axis order, seeds innermost).

        A search matrix picks its trials while it runs: none here, but every cell is checked.
        """
        return self.kind.trials(self, self.profile(profile_name))

    def resolve(self, profile: Profile, labels: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
        """A cell's full settings (defaults filled in); a bad one is a MatrixError at its place in the file."""
        try:
            return resolve_settings(values)
        except SettingsError as exc:
            field = exc.field.split(".")[0]
            if f"axes.{field}" in profile.where and field in labels:
                at = f"{profile.where[f'axes.{field}']}"
                with contextlib.suppress(KeyError, ValueError):
                    at += f"[{profile.axes[field].index(labels[field])}]"
            elif f"fixed.{field}" in profile.where:
                at = profile.where[f"fixed.{field}"]
            elif field in values:
                rule = next((i for i, r in enumerate(profile.include) if field in r), None)
                at = f"{profile.where['include']}[{rule}].{field}" if rule is not None else f"fixed.{field}"
            else:
                at = f"fixed.{field}"
            raise MatrixError(self.path, at, exc.message) from None

    def validate(self) -> None:
        """Expand every profile: the whole file is checked before anything runs."""
        from ablations.describe.sections import SECTIONS

        rules_seen: set[str] = set()
        rules_used: set[str] = set()
        self.kind.check_file(self)

        for i, section in enumerate(self.spec.report_sections):
            if section not in SECTIONS:
                raise MatrixError(
                    self.path,
                    f"report_sections[{i}]",
                    f"unknown report section {section!r}; known: {', '.join(SECTIONS.names())}",
                )
        self._validate_tolerances()
        for name in self.spec.profiles:
            if not NAME_RE.match(name):
                key = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)  # TOML quoting
                raise MatrixError(
                    self.path, f"profiles.{key}", "profile names use a-z, 0-9, '_' and '-' only (<= 64 chars)"
                )
        for name in self.profile_names():
            profile = self.profile(name)
            at = f"profiles.{name}" if name in self.spec.profiles else ""
            both = sorted(set(profile.fixed) & set(profile.axes))
            if both:
                raise MatrixError(self.path, f"fixed.{both[0]}", "is both fixed and an axis; keep one")
            for key, values in profile.axes.items():
                loc = profile.where[f"axes.{key}"]
                if not values:  # pragma: no cover - pydantic rejects empty lists first
                    raise MatrixError(self.path, loc, "empty axis; give at least one value")
                seen = set()
                for i, value in enumerate(values):
                    token = canonical_json(value)
                    if token in seen:
                        raise MatrixError(self.path, f"{loc}[{i}]", f"duplicate value {value!r}")
                    seen.add(token)
            if len(set(profile.seeds)) != len(profile.seeds):
                raise MatrixError(self.path, f"{at}.seeds".lstrip("."), "duplicate seeds")
            if profile.n_product() > profile.cell_limit:
                raise MatrixError(
                    self.path,
                    f"{at}.axes".lstrip("."),
                    f"{profile.n_product()} cells exceed cell_limit {profile.cell_limit}; "
                    "shrink the axes or raise cell_limit",
                )
            if profile.n_product() * len(profile.seeds) > MAX_TRIALS:
                raise MatrixError(
                    self.path,
                    f"{at}.seeds".lstrip("."),
                    f"{profile.n_product()} cells x {len(profile.seeds)} seeds exceed {MAX_TRIALS} trials; "
                    "use fewer seeds or cells",
                )
            self.kind.check_profile(self, profile)
            rules_seen |= {f"{profile.where['exclude']}[{i}]" for i in range(len(profile.exclude))}
            rules_seen |= {f"{profile.where['include']}[{i}]" for i in range(len(profile.include))}
            rules_used |= self._expand(profile)[1]
        # A rule may match nothing in one profile (smoke drops a data set) but not in all.
        for at in sorted(rules_seen - rules_used):
            raise MatrixError(self.path, at, "matches no cell in any profile")

    def _validate_tolerances(self) -> None:
        from ablations.describe.tolerance import ToleranceError, parse_tolerance

        for metric, text in self.spec.tolerances.items():
            try:
                parse_tolerance(text)
            except ToleranceError as exc:
                raise MatrixError(self.path, f"tolerances.{metric}", str(exc)) from None


def _read_text(path: Path) -> str:
    """The file's text; a directory, device, FIFO or huge file is a MatrixError, not a hang."""
    try:
        info = path.stat()
        if not path.is_file():
            raise MatrixError(path, "", "not a regular file; give a .toml matrix file")
        if info.st_size > MAX_MATRIX_BYTES:
            raise MatrixError(path, "", f"{info.st_size} bytes; matrix files are limited to {MAX_MATRIX_BYTES}")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise MatrixError(path, "", "no such matrix file") from None
    except UnicodeDecodeError as exc:
        raise MatrixError(path, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise MatrixError(path, "", f"cannot read ({exc.strerror})") from None


def _non_finite(value: Any, loc: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The location of the first NaN or infinity (TOML allows them; ids and settings do not)."""
    if isinstance(value, float) and not math.isfinite(value):
        return loc
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _non_finite(item, (*loc, key))
        if found is not None:
            return found
    return None


def load_matrix(path: str | Path) -> Matrix:
    """Read and validate a matrix file; raise :class:`MatrixError` on the first problem."""
    path = Path(path)
    if not NAME_RE.match(path.stem):
        raise MatrixError(path, "", "matrix file names use a-z, 0-9, '_' and '-' only (<= 64 chars)")
    text = _read_text(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MatrixError(path, "", f"TOML syntax error: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise MatrixError(
            path, "", f"arrays or tables nested too deeply; matrix files nest at most {MAX_NESTING} levels"
        ) from None
    return matrix_from_dict(path, raw)


def _too_deep(raw: Any) -> tuple[Any, ...] | None:
    """The location of the first list or table nested deeper than MAX_NESTING (no recursion)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(raw, ())]
    while stack:
        value, loc = stack.pop()
        if len(loc) > MAX_NESTING:
            return loc
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend((item, (*loc, key)) for key, item in items)
    return None


def matrix_from_dict(path: str | Path, raw: dict[str, Any]) -> Matrix:
    """Validate parsed TOML as the matrix file ``path`` (whose stem names the matrix)."""
    path = Path(path)
    deep = _too_deep(raw)
    if deep is not None:
        raise MatrixError(
            path, field_path(deep[:1]), f"nested too deeply; matrix files nest at most {MAX_NESTING} levels"
        )
    bad = _non_finite(raw)
    if bad is not None:
        raise MatrixError(path, field_path(bad), "nan and inf are not allowed; give a finite number")
    try:
        spec = MatrixFile.model_validate(raw)
    except ValidationError as exc:
        raise MatrixError(path, *schema_message(exc)) from None
    matrix = Matrix(path, spec)
    matrix.validate()
    return matrix
