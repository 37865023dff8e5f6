"""Find matrix files: by path, or by name among the matrices shipped in ``ablations/matrices``."""

from __future__ import annotations

from pathlib import Path

from ablations.describe.errors import MatrixError
from ablations.describe.spec import Matrix, load_matrix

MATRICES_DIR = Path(__file__).resolve().parents[1] / "matrices"


def shipped_matrices() -> list[Path]:
    return sorted(MATRICES_DIR.glob("*.toml"))


def find_matrix(name_or_path: str) -> Matrix:
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return load_matrix(path)
    candidate = MATRICES_DIR / f"{name_or_path}.toml"
    if candidate.exists():
        return load_matrix(candidate)
    known = ", ".join(p.stem for p in shipped_matrices())
    raise MatrixError(name_or_path, "", f"no such matrix; shipped matrices: {known} (or give a .toml path)")


def resolve_matrices(names: list[str]) -> list[Matrix]:
    """``all`` or no name means every shipped matrix."""
    if not names or names == ["all"]:
        return [load_matrix(p) for p in shipped_matrices()]
    return [find_matrix(n) for n in names]
