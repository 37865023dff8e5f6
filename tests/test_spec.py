"""Matrix files: validation messages, deterministic expansion, content-hash ids."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ablations.describe.matrix_files import shipped_matrices
from ablations.describe.spec import MatrixError, load_matrix

BASE = """
seeds = [0, 1]
[fixed]
dataset = "digits"
epochs = 3
[axes]
activation = ["relu", "tanh"]
depth = [1, 2, 3]
"""


def test_expansion_is_the_product_times_seeds_in_file_order(write_matrix):
    matrix = load_matrix(write_matrix(BASE))
    trials = matrix.trials()
    assert len(trials) == 2 * 3 * 2
    assert [(t.cell["activation"], t.cell["depth"], t.seed) for t in trials[:4]] == [
        ("relu", 1, 0),
        ("relu", 1, 1),
        ("relu", 2, 0),
        ("relu", 2, 1),
    ]
    assert [t.trial_id for t in trials] == [t.trial_id for t in load_matrix(matrix.path).trials()]
    assert len({t.trial_id for t in trials}) == len(trials)
    assert len({t.cell_id for t in trials}) == 6


def test_ids_depend_on_settings_not_on_spelling(write_matrix):
    a = load_matrix(write_matrix(BASE, "a")).trials()
    explicit = BASE.replace("epochs = 3", 'epochs = 3\nlearning_rate = 0.001\noptimizer = "adam"')
    b = load_matrix(write_matrix(explicit, "b")).trials()
    assert [t.trial_id for t in a] == [t.trial_id for t in b]  # defaults spelled out: same trials
    c = load_matrix(write_matrix(BASE.replace("epochs = 3", "epochs = 4"), "c")).trials()
    assert not {t.trial_id for t in a} & {t.trial_id for t in c}  # a changed setting: new trials
    assert a[0].settings["kernel_initializer"] == "he_normal"  # resolved "auto" is recorded


def test_exclude_include_and_profiles(write_matrix):
    text = (
        BASE
        + """
[[exclude]]
activation = "tanh"
depth = 3

[[include]]
depth = 1
width = 7

[profiles.smoke]
seeds = [5]
fixed = { depth = 1 }
axes = { activation = ["selu"] }
"""
    )
    matrix = load_matrix(write_matrix(text))
    default = matrix.trials()
    assert len(default) == (6 - 1) * 2
    assert {t.settings["width"] for t in default if t.cell["depth"] == 1} == {7}
    assert {t.settings["width"] for t in default if t.cell["depth"] != 1} == {100}
    smoke = matrix.trials("smoke")
    assert [(t.cell, t.seed, t.settings["depth"]) for t in smoke] == [({"activation": "selu"}, 5, 1)]
    with pytest.raises(MatrixError, match="no profile 'nope'; profiles: default, smoke"):
        matrix.trials("nope")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "seeds = [0]\n[fixed]\ndataset = 'digits'\nepochz = 3",
            "fixed.epochz: unknown setting for model 'mlp'; did you mean 'epochs'? known settings: activation",
        ),
        ("seeds = [0]\ncolour = 1\n[fixed]\ndataset = 'digits'", "colour: unknown key; allowed: description"),
        (
            "seeds = [0]\n[fixed]\ndataset = 'mnist2d'",
            "fixed.dataset: unknown dataset 'mnist2d'; known: breast_cancer, california_housing",
        ),
        (
            "seeds = [0]\n[fixed]\ndataset = 'digits'\n[axes]\nactivation = ['relu', 'sigmoidd']",
            "axes.activation[1]: Input should be 'relu'",
        ),
        ("seeds = [0]\n[fixed]\ndataset = 'digits'\n[axes]\nwidth = []", "axes.width: empty axis"),
        ("seeds = [0]\n[fixed]\ndataset = 'digits'\n[axes]\nwidth = [3, 3]", "axes.width[1]: duplicate value 3"),
        ("seeds = [0]\n[fixed]\ndataset = 'digits'\nepochs = 'ten'", "fixed.epochs: Input should be a valid integer"),
        (
            "seeds = [0]\n[fixed]\ndataset = 'digits'\nloss = 'absolute_error'",
            "fixed.loss: 'absolute_error' does not fit classification data set 'digits'; allowed: cross_entropy, squared_error",
        ),
        ("seeds = []\n[fixed]\ndataset = 'digits'", "seeds: List should have at least 1 item"),
        (
            "seeds = [0]\n[fixed]\ndataset = 'digits'\n[axes]\ndepth = [1, 2]\n[[exclude]]\ndepth = 9",
            "exclude[0]: matches no cell in any profile",
        ),
        (
            "seeds = [0]\n[fixed]\ndataset = 'digits'\n[axes]\ndepth = [1, 2]\n[[exclude]]\nwidth = 9",
            "exclude[0].width: not an axis; axes: depth",
        ),
        (
            "seeds = [0]\ncell_limit = 3\n[fixed]\ndataset = 'digits'\n[axes]\ndepth = [1, 2]\nwidth = [1, 2]",
            "axes: 4 cells exceed cell_limit 3",
        ),
        (
            "seeds = [0]\n[fixed]\ndataset = 'digits'\ndepth = 1\n[axes]\ndepth = [1, 2]",
            "fixed.depth: is both fixed and an axis",
        ),
        ("seeds = [0]\n[fixed]\ndataset = 'digits'\n[profiles.smoke]\nfixd = {}", "profiles.smoke.fixd: unknown key"),
        ("seeds = [0]\n[fixed\ndataset = 'digits'", "TOML syntax error"),
        (
            "seeds = [0]\n[fixed]\ndataset = 'digits'\nmodel = 'transformer'",
            "fixed.model: unknown model 'transformer'; known: ",
        ),
        (
            "seeds = [0]\n[fixed]\ndataset = 'digits'\nearly_stopping_monitor = 'val_mae'",
            "fixed.early_stopping_monitor: 'val_mae' is not recorded for classification; allowed: val_loss, val_accuracy",
        ),
        (
            "seeds = [0]\nreport_sections = ['nope']\n[fixed]\ndataset = 'digits'",
            "report_sections[0]: unknown report section 'nope'",
        ),
    ],
)
def test_malformed_matrix_is_one_line_naming_file_and_field(write_matrix, text, expected):
    path = write_matrix(text)
    with pytest.raises(MatrixError) as info:
        load_matrix(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_cli_prints_one_line_and_exits_2(write_matrix):
    path = write_matrix("seeds = [0]\n[fixed]\ndataset = 'digits'\n[axes]\nactivation = ['nope']")
    proc = subprocess.run(
        [sys.executable, "-m", "ablations", "show", str(path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {path}: axes.activation[0]: Input should be 'relu', 'leaky_relu', 'elu', 'selu', "
        "'gelu', 'swish', 'sigmoid', 'tanh', 'softplus' or 'linear' (got 'nope')"
    ]
    assert "Traceback" not in proc.stderr


def test_deeply_nested_array_is_one_line_and_exit_2(tmp_path):
    """100,000 nested arrays (200 kB, under the size limit): tomllib recurses; no traceback."""
    levels = 100_000
    path = tmp_path / "deep.toml"
    path.write_text("seeds = " + "[" * levels + "0" + "]" * levels + "\n[fixed]\ndataset = 'digits'\n")
    with pytest.raises(MatrixError, match="nested too deeply"):
        load_matrix(path)
    proc = subprocess.run(
        [sys.executable, "-m", "ablations", "show", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {path}: arrays or tables nested too deeply; matrix files nest at most 32 levels"
    ]


def test_strings_are_not_numbers_and_numbers_not_strings(write_matrix):
    """Lax parsing read seeds = ["1"] as 1; every schema field is strict now."""
    cases = {
        'seeds = ["1"]\n': "seeds[0]: Input should be a valid integer (got '1')",
        'seeds = [0]\ncell_limit = "5"\n': "cell_limit: Input should be a valid integer (got '5')",
        "seeds = [0]\ndescription = 3\n": "description: Input should be a valid string (got 3)",
        'seeds = [0]\n[profiles.smoke]\ncell_limit = "2"\n': "profiles.smoke.cell_limit: Input should be a valid integer",
    }
    for head, expected in cases.items():
        with pytest.raises(MatrixError) as info:
            load_matrix(write_matrix(head + "[fixed]\ndataset = 'digits'\n"))
        assert expected in str(info.value)


def test_a_plugin_can_add_a_matrix_kind(write_matrix):
    """``kind`` is checked against MATRIX_KINDS, so a registered kind loads and expands its own way."""
    from ablations.describe.kinds import MATRIX_KINDS
    from ablations.run.kinds.trials import TrialsKind

    class OneSeedKind(TrialsKind):
        name = "one_seed"

        def trials(self, matrix, profile):
            return [t for t in super().trials(matrix, profile) if t.seed == profile.seeds[0]]

    path = write_matrix(BASE.replace("seeds = [0, 1]", 'kind = "one_seed"\nseeds = [0, 1]'))
    with pytest.raises(MatrixError, match="unknown matrix kind 'one_seed'; known: search, trials"):
        load_matrix(path)
    MATRIX_KINDS.register("one_seed", OneSeedKind())
    try:
        matrix = load_matrix(path)
        assert len(matrix.trials()) == 6 and {t.seed for t in matrix.trials()} == {0}
    finally:
        MATRIX_KINDS._targets.pop("one_seed")
        MATRIX_KINDS._loaded.pop("one_seed")


def test_unsafe_matrix_file_name_is_rejected(tmp_path):
    path = tmp_path / "Bad Name.toml"
    path.write_text("seeds = [0]\n[fixed]\ndataset = 'digits'\n")
    with pytest.raises(MatrixError, match="matrix file names use"):
        load_matrix(path)


@pytest.mark.parametrize("path", shipped_matrices(), ids=lambda p: p.stem)
def test_shipped_matrices_are_valid_and_have_a_smoke_profile(path):
    matrix = load_matrix(path)
    assert "smoke" in matrix.profile_names()
    if matrix.kind.name == "search":
        from ablations.run.search.plan import searches

        assert searches(matrix, "smoke")
    else:
        assert matrix.trials("smoke")
