"""The shipped model families: the MLP (:mod:`.mlp`) and the wide, deep and Wide & Deep models
(:mod:`.wide_deep`), each an entry of :data:`~ablations.describe.model_family.MODELS`."""
