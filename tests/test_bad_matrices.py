"""Malformed matrix files: each gives one clear line (and exit code 2), never a traceback.

Every file in ``bad_matrices/`` starts with ``# expect: FIELD: MESSAGE``; ``...`` in MESSAGE
stands for lists that grow as the registries do (known data sets, models, settings).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_helpers import cli

from ablations.describe.matrix_files import MATRICES_DIR
from ablations.describe.settings import CORE_FIELDS
from ablations.describe.spec import MatrixError, load_matrix, matrix_from_dict

CORPUS_DIR = Path(__file__).parent / "bad_matrices"
CORPUS = sorted(CORPUS_DIR.glob("*.toml"))


def expectation(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("ascii")
    assert first.startswith("# expect: "), f"{path.name} has no '# expect: ' first line"
    return first.removeprefix("# expect: ")


def matches(pattern: str, text: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("...")), text) is not None


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_bad_matrix_gives_its_one_line_message(path: Path):
    with pytest.raises(MatrixError) as info:
        load_matrix(path)
    error = info.value
    line = f"{error.field}: {error.message}"
    assert matches(expectation(path), line), line
    assert "\n" not in str(error)
    assert str(error).startswith(f"{path}: ")


@pytest.mark.parametrize("name", ["unknown_dataset", "syntax_error", "not_utf8", "profile_name_path", "Bad Name"])
def test_cli_prints_one_error_line_and_exits_2(name: str, tmp_path: Path):
    path = CORPUS_DIR / f"{name}.toml"
    result = cli("show", str(path), "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert lines == [result.stderr.strip().splitlines()[-1]]
    assert "Traceback" not in result.stderr
    expected = expectation(path).removeprefix(": ")  # a file-level error has no field
    assert matches(f"error: {path}: {expected}", lines[0]), lines[0]
    assert not (tmp_path / "runs").exists()


def test_cli_rejects_a_directory_and_a_missing_file(tmp_path: Path):
    (tmp_path / "adir.toml").mkdir()
    for target, message in [(tmp_path / "adir.toml", "not a regular file"), (tmp_path / "nope.toml", "no such")]:
        with pytest.raises(MatrixError, match=message):
            load_matrix(target)
    result = cli("run", str(tmp_path / "adir.toml"), "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("not a regular file; give a .toml matrix file")


# -- property-based: whatever the dict, the loader raises MatrixError or returns a Matrix ------

KEYS = sorted(
    {
        "description",
        "kind",
        "seeds",
        "cell_limit",
        "fixed",
        "axes",
        "exclude",
        "include",
        "profiles",
        "report_sections",
        "smoke",
        "default",
        "dataset",
        "model",
        "width",
        "depth",
        "activation",
        "loss",
        "../x",
        "",
        "Ω",
    }
    | CORE_FIELDS
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["digits", "diabetes", "mlp", "relu", "cross_entropy", "sgd", "all", "learning_curves"])
)
keys = st.sampled_from(KEYS) | st.text(max_size=8)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4), max_leaves=12
)
toml_dicts = st.dictionaries(keys, values, max_size=8)


def loads_or_matrix_error(raw: dict[str, Any]) -> None:
    try:
        matrix_from_dict("fuzz.toml", raw)
    except MatrixError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(toml_dicts)
def test_random_dicts_raise_only_matrix_error(raw: dict[str, Any]):
    loads_or_matrix_error(raw)


COURSE = tomllib.loads((MATRICES_DIR / "course.toml").read_text(encoding="utf-8"))


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        out += _paths(item, (*prefix, key))
    return out


@st.composite
def mutated_course(draw: st.DrawFn) -> dict[str, Any]:
    """The shipped course matrix with a few random edits: delete, replace, add or duplicate."""
    import copy

    raw = copy.deepcopy(COURSE)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(raw) if p]
        path = draw(st.sampled_from(paths))
        parent = raw
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "add", "duplicate"]))
        last = path[-1]
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(values)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(keys)] = draw(values)
        elif action == "add":
            parent.append(draw(values))
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[draw(keys)] = copy.deepcopy(parent[last])
    return raw


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_course())
def test_mutated_course_matrix_raises_only_matrix_error(raw: dict[str, Any]):
    loads_or_matrix_error(raw)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_random_bytes_raise_only_matrix_error(data: bytes):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.toml"
        path.write_bytes(data)
        try:
            load_matrix(path)
        except MatrixError as exc:
            assert "\n" not in str(exc)
