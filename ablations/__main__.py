"""``python -m ablations`` is the same as the ``ablations`` command."""

from ablations.cli import main

raise SystemExit(main())
