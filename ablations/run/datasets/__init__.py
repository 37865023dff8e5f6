"""Loading data sets: the loaders each :class:`~ablations.describe.datasets.DatasetSpec` names
(:mod:`.sources`) and the split, subsample and normalization every trial gets (:mod:`.loading`)."""
