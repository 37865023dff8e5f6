"""Describing a run, the bottom layer: settings, the matrix schema and its parser, trial identity,
and the registries of names (data sets, models, losses, optimizers, strategies, report sections,
matrix kinds) that the parser checks against.

Nothing here trains or reads results: each registry entry names its implementation as
``"module:attribute"`` in the layer above, imported the first time it is asked for.
"""
