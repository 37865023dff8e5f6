"""``python -m ablations`` is the same as the ``ablations`` command."""

from ablations.read.cli import main

raise SystemExit(main())
