"""The regression gate: baselines of stored results, tolerances, and ``ablations check``.

``ablations baseline`` stores, per cell and metric, every seed's value with the provenance of
the run; ``ablations check`` compares fresh results with it and exits 1 on a regression (a cell
that was ``ok`` and is not, or a metric that moved the wrong way beyond its tolerance and
significantly across seeds), 2 when there is nothing to compare.
"""
