"""The course's claims tested on stored records: one number per trial (``measures``), when a
claim applies (``conditions``), and the verdict of each scorecard row (``verdicts``)."""
