"""Reports: markdown pages and figures generated from stored results only.

Scoring is separate from running (as in AlgoPerf): nothing here trains or imports Keras.
A matrix's page is the generic cell table plus the sections its file names in
``report_sections``; ``SECTIONS`` (:mod:`ablations.describe.sections`) is the registry of those.
"""
