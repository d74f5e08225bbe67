"""Schemathesis against /openapi.json with every check on: the service keeps its contract.

Every operation gets schemathesis's coverage phase (each parameter and body field at its
boundaries and with the wrong type, every undeclared method, missing headers) and then
``COOP_RULES_FUZZ_EXAMPLES`` generated requests, positive and negative; every response is
checked by all of schemathesis's checks (no 5xx, documented status, content type, headers and
schema; valid data accepted, invalid data rejected; 405 with ``Allow`` for an undeclared
method; authentication enforced where declared). What the schema cannot say is in
``schemathesis.toml`` at the repository root, which ``schemathesis run`` reads as well:

    coop-rules serve --port 8765 &
    schemathesis run http://127.0.0.1:8765/openapi.json --checks all --max-examples 500

The default here keeps the module within a minute on CI; raise the environment variable for a
longer run in pytest.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig

from coop_rules.server.app import create_app
from coop_rules.server.settings import ServerSettings

from ..conftest import REPO

SETTINGS = (REPO / "schemathesis.toml").read_text(encoding="utf-8")
CONFIG = SchemathesisConfig.from_str(SETTINGS)
EXAMPLES = int(os.environ.get("COOP_RULES_FUZZ_EXAMPLES", "25"))
KEY = "fuzz-key"
# The keyed service: schemathesis sends the key through the X-API-Key scheme it declares, and
# its ignored_auth check sends requests without it or with a wrong one.
KEYED_CONFIG = SchemathesisConfig.from_str(
    SETTINGS + f'\n[auth.openapi.APIKeyHeader]\napi_key = "{KEY}"\n'
)
HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    # The same requests on every run: CI fails for a change, never for a new draw (the
    # longer random run is the CLI's, above).
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)

APP = create_app(ServerSettings(max_concurrent=2, max_queued=64))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)
KEYED_APP = create_app(ServerSettings(max_concurrent=2, max_queued=64, api_keys=frozenset({KEY})))
keyed_schema = schemathesis.openapi.from_asgi("/openapi.json", KEYED_APP, config=KEYED_CONFIG)


@schema.parametrize()
@HYPOTHESIS
def test_the_service_keeps_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()


@keyed_schema.include(path_regex="^/v1/rules").parametrize()
@settings(HYPOTHESIS, max_examples=max(5, EXAMPLES // 5))
def test_a_keyed_service_keeps_its_contract(case: schemathesis.Case) -> None:
    case.call_and_validate()


def test_the_spec_lists_every_route() -> None:
    paths = set(APP.openapi()["paths"])
    assert {"/v1/checks", "/v1/extract", "/v1/files", "/v1/rules", "/v1/rules/{code}"} <= paths
    assert "/healthz" in paths
    with pytest.raises(KeyError):
        APP.openapi()["paths"]["/docs"]  # the local docs page is not an API operation
