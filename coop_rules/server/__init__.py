"""The HTTP service: ``coop-rules serve``, a thin shell over :mod:`coop_rules.api`.

Claim systems post a manifest and its documents to ``/v1/checks`` and get the report back (JSON,
or HTML when ``Accept`` asks for it); partners use the self-check page at ``/``. The modules:

- :mod:`.settings` — limits, keys and CORS, with their environment defaults;
- :mod:`.uploads` — the streaming multipart reader that enforces the limits as bytes arrive and
  turns uploaded file names into files of a per-request folder, never into paths;
- :mod:`.files` — files uploaded ahead of a check (``POST /v1/files``);
- :mod:`.service` — the bounded pool that runs ``api.check_claim`` and renders the report;
- :mod:`.app` (``create_app``) and :mod:`.routes` — the FastAPI application; routes only call
  the service;
- :mod:`.command` — the ``serve`` subcommand.

Nothing is imported here: the CLI adds ``serve`` through :mod:`.command` without loading
FastAPI, which only ``coop-rules serve`` itself needs (the ``server`` extra).
"""
