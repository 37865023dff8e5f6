"""Hyperparameter search as an ablation axis: strategies behind one interface, equal budgets.

A matrix of ``kind = "search"`` has an axis ``strategy`` and a ``[search]`` table (the space,
the budget). Each (cell, seed) is one search; each of its trials is a normal trial of the core
runner, stored in the matrix's ResultStore, while the search's own state lives in an Optuna
storage (SQLite under ``runs/<matrix>/search.db``, or a server URL shared by workers).
"""
