"""The coop-rules version (the package's ``__version__``; reports and batch stamps carry it)."""

__version__ = "0.1.0"
