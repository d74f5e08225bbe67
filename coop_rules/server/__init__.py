"""The HTTP service: ``coop-rules serve``, a thin shell over :mod:`coop_rules.api`.

Claim systems post a manifest and its documents to ``/v1/checks`` and get the report back (JSON,
or HTML when ``Accept`` asks for it); partners use the self-check page at ``/``. The modules:

- :mod:`.settings` — limits, keys, CORS, the ledger and the upload folder;
- :mod:`.storage` — the upload folder on disk, and the budget of bodies on disk at once;
- :mod:`.uploads` — the streaming multipart reader that enforces the limits as bytes arrive and
  turns uploaded file names into files of a per-request folder, never into paths;
- :mod:`.files` — files uploaded ahead of a check (``POST /v1/files``), kept on disk by id;
- :mod:`.manifests` — the manifest of a check request, validated early, its problems in the
  request's language;
- :mod:`.service` — receive a body, admit its check to the bounded pool that runs
  ``api.check_claim``, render the report;
- :mod:`.app` (``create_app``) and :mod:`.routes` — the FastAPI application; routes only call
  the service;
- :mod:`.command` — the ``serve`` subcommand.

Nothing is imported here: the CLI adds ``serve`` through :mod:`.command` without loading
FastAPI, which only ``coop-rules serve`` itself needs (the ``server`` extra).
"""
