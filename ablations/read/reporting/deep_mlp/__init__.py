"""Report sections of the deep-MLP matrix: vanishing gradients, measured by the probe.

Every number and sentence here is computed from stored records (``record["probes"]``, see
:mod:`ablations.run.probes`); the same results give the same page. Gradient norms span many
orders of magnitude, so seeds are averaged geometrically (mean of log10) and ratios are
reported in powers of ten. "First" and "last" layer are the first hidden Dense layer and the
output layer: the layers with a kernel, in model order.

One module per section group: :mod:`.findings` (the "what this run shows" verdicts, with the
accuracy tests of :mod:`.significance`), :mod:`.gradients`, :mod:`.curves`, :mod:`.activations`
and :mod:`.baselines`; all read the tidy frames of :mod:`.frames` and the helpers of :mod:`.common`.
"""
