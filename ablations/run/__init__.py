"""Running a run, the middle layer: data loading, models, the trial program, the fit and fused
trainers, probes, executors, searches and the result store. It imports the bottom layer
(:mod:`ablations.describe`) and nothing of the top one (:mod:`ablations.read`)."""
