"""The course's second way: scikit-learn's RandomizedSearchCV around a Keras model.

Keras 3 ships the wrapper (``keras.wrappers.SKLearnRegressor``, successor of the course's
``tf.keras.wrappers.scikit_learn``); the candidates are the space's points, drawn by
scikit-learn from the search seed, each scored by ``cv_folds``-fold cross-validation on the
training split, trained as the course does (validation data and early stopping passed to
``fit``). How the budget is counted: ``budget`` candidates, as for every strategy, but each
costs ``cv_folds`` fits, plus one run of the chosen configuration through the core runner,
which gives the validation and test scores that the other strategies' best trials have. The
time columns show that cost. Its best-so-far values are cross-validated MSE on held-out folds of
the training split, not the validation split's.

The cross-validation itself is not resumable (scikit-learn's search is one call); once it has
finished, its candidates are in the study and a rerun only trains what is missing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import optuna
from optuna.trial import TrialState

from ablations.describe.search_space import SearchTable
from ablations.describe.status import Status
from ablations.run.search.objective import core_objective
from ablations.run.search.session import Outcome, SearchSession
from ablations.run.search.strategies import Strategy, distributions

SCORERS = {"squared_error": "neg_mean_squared_error", "absolute_error": "neg_mean_absolute_error"}


class SpaceDistribution:
    """A scikit-learn distribution (an object with ``rvs``) whose draws are whole points.

    RandomizedSearchCV hands the drawn dict to the wrapper as ``model_kwargs``, so the space
    keeps its own names and types; names are drawn in sorted order for reproducibility.
    """

    def __init__(self, table: SearchTable) -> None:
        from scipy import stats

        self._draws: list[tuple[str, Any]] = []
        for name in table.names():
            p = table.space[name]
            if p.type == "float":
                dist = stats.loguniform(p.low, p.high) if p.log else stats.uniform(p.low, p.high - p.low)
            elif p.type == "int":
                dist = stats.randint(p.low, p.high + 1)
            else:
                dist = list(p.choices)
            self._draws.append((name, dist))

    def rvs(self, random_state: Any = None) -> dict[str, Any]:
        rng = (
            np.random.default_rng(random_state.randint(2**31))
            if hasattr(random_state, "randint")
            else np.random.default_rng(random_state)
        )
        point = {}
        for name, dist in self._draws:
            if isinstance(dist, list):
                point[name] = dist[int(rng.integers(len(dist)))]
            else:
                value = dist.rvs(random_state=rng)
                point[name] = int(value) if np.issubdtype(type(value), np.integer) else float(value)
        return point


def model_builder(search: Any, splits: Any):
    """``model(X, y, **point)`` for the wrapper: the trial program the core runner trains."""

    def build(X: Any = None, y: Any = None, **point: Any):
        from ablations.describe.settings import resolve_settings
        from ablations.run.fit_trainer import seed_everything
        from ablations.run.program import build_program

        settings = resolve_settings({**search.base, **point})
        program = build_program(settings, splits=splits)
        seed_everything(search.seed, settings["backend"])  # every fold starts from the same weights
        model = program.build_model()
        program.compile(model, steps_per_execution=settings["steps_per_execution"])
        return model

    return build


class SklearnRandomStrategy(Strategy):
    name = "sklearn_random"

    def run(self, session: SearchSession) -> None:
        session.study.pruner = optuna.pruners.NopPruner()
        if not session.counted():
            self._cross_validate(session)
        if not session.study.user_attrs.get("selected"):
            self._run_selected(session)
        session.write_record()

    def _cross_validate(self, session: SearchSession) -> None:
        import keras
        from keras.wrappers import SKLearnRegressor
        from sklearn.model_selection import RandomizedSearchCV

        from ablations.run.program import build_program

        search, table = session.search, session.search.table
        s = search.resolved_base
        base = build_program(s)  # the data; each candidate's program shares its splits
        splits = base.splits
        callbacks: list[Any] = [keras.callbacks.TerminateOnNaN()]
        if s["early_stopping_patience"] is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=s["early_stopping_monitor"],
                    min_delta=s["early_stopping_min_delta"],
                    patience=s["early_stopping_patience"],
                    restore_best_weights=True,
                )
            )
        fit_kwargs = {
            "epochs": s["epochs"],
            "batch_size": s["batch_size"],
            "verbose": 0,
            "shuffle": True,
            "validation_data": (base.x_val, base.y_val),
            "callbacks": callbacks,
        }
        cv = RandomizedSearchCV(
            SKLearnRegressor(model=model_builder(search, splits), fit_kwargs=fit_kwargs),
            {"model_kwargs": SpaceDistribution(table)},
            n_iter=table.budget,
            cv=table.cv_folds,
            scoring=SCORERS[s["loss"]],
            random_state=search.seed,
            refit=False,
            error_score=np.nan,
        )
        t0 = time.perf_counter()
        # The wrapper's predict has no verbose option, and each fold's new model retraces its
        # predict function, which TensorFlow's logger warns of: both are quieted, then restored.
        interactive = keras.config.is_interactive_logging_enabled()
        tf_logger = logging.getLogger("tensorflow")
        tf_level = tf_logger.level
        keras.config.disable_interactive_logging()
        tf_logger.setLevel(logging.ERROR)
        try:
            cv.fit(splits.x_train, splits.y_train)
        finally:
            tf_logger.setLevel(tf_level)
            if interactive:
                keras.config.enable_interactive_logging()
        wall = time.perf_counter() - t0
        results = cv.cv_results_
        fit_s = np.asarray(results["mean_fit_time"]) + np.asarray(results["mean_score_time"])
        scale = wall / max(float(fit_s.sum()), 1e-9)  # spread the measured wall time over candidates
        dists = distributions(table)
        session.study.set_user_attr("value_kind", f"{table.cv_folds}-fold cross-validation on the training split")
        for i, point in enumerate(results["params"]):
            params = {k: point["model_kwargs"][k] for k in sorted(dists)}
            folds = [float(results[f"split{k}_test_score"][i]) for k in range(table.cv_folds)]
            score = float(results["mean_test_score"][i])
            ok = np.isfinite(score)
            session.study.add_trial(
                optuna.trial.create_trial(
                    params=params,
                    distributions=dists,
                    value=-score if ok else None,
                    state=TrialState.COMPLETE if ok else TrialState.FAIL,
                    user_attrs={
                        "result": {
                            "outcome": Status.OK if ok else Status.FAILED,
                            "cv_scores": [-f for f in folds],
                            "train_s": float(fit_s[i] * scale),
                            "sample_s": 0.0,
                            "cached": False,
                        }
                    },
                )
            )

    def _run_selected(self, session: SearchSession) -> None:
        """The chosen point as a normal trial: its validation and test scores, stored."""
        complete = [t for t in session.counted() if t.state == TrialState.COMPLETE]
        if not complete:
            return
        best = min(complete, key=_value) if session.search.table.direction == "minimize" else max(complete, key=_value)
        outcome: Outcome = core_objective(session, dict(best.params), _Selected())
        session.study.set_user_attr(
            "selected",
            {
                "number": best.number,
                "trial_id": outcome.trial_id,
                "train_s": outcome.train_s,
                "status": outcome.status,
                "validation": outcome.value,
            },
        )


def _value(trial: optuna.trial.FrozenTrial) -> float:
    assert trial.value is not None, "a complete trial has a value"
    return trial.value


class _Selected:
    """Stands in for an Optuna trial: the refit is no trial of the study, nor of the budget."""

    number = "selected"
