"""The shipped matrix kinds' implementations: ``trials`` (:mod:`.trials`) and ``search``
(:mod:`.search`), entries of :data:`~ablations.describe.kinds.MATRIX_KINDS`."""
