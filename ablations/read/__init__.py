"""Reading a run, the top layer: statistics, report pages, the regression gate and the command
line. It reads stored records (:mod:`ablations.run.store`) and never trains."""
