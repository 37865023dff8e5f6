"""The search page's verdicts: random against grid (paired t over seeds), and pruning's
saving only where it was measured."""

from __future__ import annotations

from ablations.read.reporting.search import pruning_saving, random_vs_grid_verdicts, searches_frame


class Ctx:
    def __init__(self, records):
        self.records = records


def search(strategy, seed, best, *, pruned=0, cached=0, trained_s=1.0, n=4, dataset="diabetes"):
    trials = []
    for i in range(n):
        state = "pruned" if i < pruned else "complete"
        trials.append(
            {"counted": True, "state": state, "cached": i >= n - cached, "train_s": trained_s / n, "sample_s": 0.0}
        )
    return {
        "search": {
            "status": "complete",
            "cell": {"dataset": dataset},
            "strategy": strategy,
            "seed": seed,
            "best_so_far": [best] * n,
            "best": {"validation": best, "test": {"loss": best}},
            "trials": trials,
            "time": {"train_s": trained_s, "sample_s": 0.0, "cached_trials": cached},
            "value_kind": "validation",
            "direction": "minimize",
            "metric": "val_loss",
        }
    }


def frame(records):
    return searches_frame(Ctx(records))


def test_random_beats_grid_with_a_paired_test_over_seeds():
    noise = [0.01, -0.02, 0.015, 0.0, -0.01]
    records = [search("grid", s, 1.0 + noise[s]) for s in range(5)]
    records += [search("random", s, 0.8 + noise[s] + 0.005 * s) for s in range(5)]
    (line,) = random_vs_grid_verdicts(frame(records), ["diabetes"])
    assert "random beats grid" in line and "n = 5 paired seeds" in line and "g = " in line


def test_three_seeds_that_disagree_give_no_difference_with_its_detectable_effect():
    records = [search("grid", s, v) for s, v in enumerate([1.0, 0.9, 1.1])]
    records += [search("random", s, v) for s, v in enumerate([0.95, 1.0, 1.0])]
    (line,) = random_vs_grid_verdicts(frame(records), ["diabetes"])
    assert "no difference detected at n = 3 paired seeds" in line and "smallest detectable effect" in line


def test_one_seed_gives_no_verdict():
    records = [search("grid", 0, 1.0), search("random", 0, 0.9)]
    assert "no verdict" in random_vs_grid_verdicts(frame(records), ["diabetes"])[0]


def test_pruning_saving_is_measured_from_trials_trained_here():
    records = [search("tpe", s, 1.0, trained_s=10.0 + s) for s in range(3)]
    records += [search("tpe_pruned", s, 1.0, pruned=2, trained_s=6.0 + 0.3 * s) for s in range(3)]
    (line,) = pruning_saving(frame(records), ["diabetes"])
    assert "trained 12 trials itself in 3 searches and stopped 6 of them early" in line
    assert "`tpe_pruned` beats `tpe`" in line and "median 6.3 s against 11 s" in line


def test_pruning_saving_is_not_claimed_when_trials_were_reused():
    records = [search("tpe", s, 1.0, trained_s=10.0) for s in range(3)]
    records += [search("tpe_pruned", s, 1.0, pruned=2, cached=1, trained_s=6.0) for s in range(3)]
    (line,) = pruning_saving(frame(records), ["diabetes"])
    assert "3 trials of the two strategies were reused" in line and "not claimed" in line
    assert "beats" not in line
    # Pruned replays of reused trials do not count as pruned here: 2 of 3 trained ones were pruned.
    assert "trained 9 trials itself" in line and "stopped 6 of them early" in line
