"""``python -m coop_rules`` is the ``coop-rules`` command."""

import sys

from coop_rules.cli import main

sys.exit(main())
