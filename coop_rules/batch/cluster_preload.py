"""Imported once by the forkserver a ``--cluster local`` batch forks its Dask workers from: load
what a worker runs (Dask, the checking code) and warm it up (the code digest, the built-in rules
and their compiled engine). The documents are read by each worker's reader processes, which
come from a forkserver of the worker's own (preloaded with :mod:`coop_rules.isolation.preload`).

Each worker forked from it then starts warm in a fraction of a second, where a fresh
interpreter would import and warm all this again (some 1.5 s of CPU per worker); so does a
worker the nanny starts again after a crash. Importing this module has that side effect on
purpose; only :mod:`.cluster` names it.
"""

from __future__ import annotations

import distributed  # noqa: F401  (what every worker runs first)

from coop_rules.batch.cluster import warm_up

warm_up()
