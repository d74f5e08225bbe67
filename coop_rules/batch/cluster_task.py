"""The function every task of a cluster batch runs, on a worker: :func:`run_each`.

The Dask scheduler unpickles each task it is given, and so imports the module of the task's
function. This one imports nothing: the claims (and the function that checks one) travel
pickled in bytes the scheduler passes on without opening, so it neither loads coop-rules'
checking code (a second of CPU on its first batch) nor takes each claim's objects apart and
puts them together again.
"""

from __future__ import annotations

import pickle
from typing import Any


def run_each(payload: bytes) -> list[Any]:
    """Unpickle ``payload``, a function and its arguments, and call it on each in turn."""
    function, arguments = pickle.loads(payload)
    return [function(argument) for argument in arguments]
