"""Golden files: committed result records render into committed report pages, byte for byte.

``tests/golden/records`` holds records of two tiny matrices (``tests/golden/matrices``): a trials
matrix (one trial hand-marked ``diverged``, one left unrun) and a search matrix (random and
grid search, two seeds). The pages they render are ``tests/golden/expected/*.md``. A change of
the page format is deliberate: regenerate with ``ABLATIONS_REGEN_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ablations.describe.spec import load_matrix
from ablations.read.reporting.index import write_index
from ablations.read.reporting.pages import write_matrix_report

GOLDEN = Path(__file__).parent / "golden"
MATRICES = ["golden_trials", "golden_search"]
REGENERATE = os.environ.get("ABLATIONS_REGEN_GOLDEN") == "1"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Render every golden matrix and the index from a copy of the fixture records."""
    tmp = tmp_path_factory.mktemp("golden")
    runs, out = tmp / "runs", tmp / "reports"
    shutil.copytree(GOLDEN / "records", runs)  # the store may write (set-aside files): never in the repo
    matrices = [load_matrix(GOLDEN / "matrices" / f"{name}.toml") for name in MATRICES]
    for matrix in matrices:
        write_matrix_report(matrix, "default", runs, out)
    write_index(matrices, "default", runs, out)
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.glob("*.md"))}


@pytest.mark.parametrize("name", [*(f"{m}.md" for m in MATRICES), "README.md"])
def test_page_matches_its_golden_file(pages: dict[str, str], name: str) -> None:
    expected = GOLDEN / "expected" / name
    if REGENERATE:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(pages[name], encoding="utf-8")
    assert pages[name] == expected.read_text(encoding="utf-8")


def test_fixture_covers_unfinished_and_problem_trials(pages: dict[str, str]) -> None:
    """The fixture exercises the placeholders, so a refactor that drops them shows here."""
    trials = pages["golden_trials.md"]
    assert "1 diverged" in trials and "1 missing" in trials
    assert "grid" in pages["golden_search.md"] and "random" in pages["golden_search.md"]
