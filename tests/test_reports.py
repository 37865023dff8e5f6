"""Reports: the index, provenance from records, and byte-identical regeneration."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ablations.read.reporting.index import write_index
from ablations.read.reporting.pages import write_matrix_report
from tests.regression_helpers import accuracies, store_results, two_cell_matrix


def _generate(matrix, runs: Path, out: Path) -> dict[str, str]:
    write_matrix_report(matrix, "default", runs, out)
    write_index([matrix], "default", runs, out)
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def test_same_results_give_byte_identical_reports(tmp_path: Path) -> None:
    matrix = two_cell_matrix(tmp_path)
    store_results(matrix, tmp_path / "runs", accuracies([0.8, 0.81, 0.79], [0.9, 0.91, 0.89]))
    first = _generate(matrix, tmp_path / "runs", tmp_path / "a")
    second = _generate(matrix, tmp_path / "runs", tmp_path / "b")
    assert set(first) == {"README.md", "two.md", "two/learning_curves.png"}
    assert first == second


def test_index_and_provenance_come_from_the_records(tmp_path: Path) -> None:
    matrix = two_cell_matrix(tmp_path)
    store_results(
        matrix, tmp_path / "runs", accuracies([0.8, 0.81, 0.79], [0.9, 0.91, 0.89]), status={(16, 2): "diverged"}
    )
    _generate(matrix, tmp_path / "runs", tmp_path / "out")
    index = (tmp_path / "out" / "README.md").read_text()
    assert "[two](two.md)" in index and "5/6" in index
    assert "2025-01-01T00:00:05+00:00" in index  # latest finished_at of the records, not now
    assert "Test CPU; /device:CPU:0; ci" in index
    assert "best accuracy 0.905 (width=16)" in index  # over the ok seeds only
    page = (tmp_path / "out" / "two.md").read_text()
    provenance = page.split("## Provenance")[1]
    assert "`default`" in provenance and "`abc123`" in provenance and "`tensorflow 2.21.0`" in provenance
    assert "digits-" in provenance and "`3.15.1`" in provenance
    assert "1 diverged" in page  # failed cells shown, never dropped
