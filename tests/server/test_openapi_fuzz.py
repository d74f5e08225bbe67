"""A short schemathesis run: requests generated from /openapi.json never get a 5xx.

Bounded (a few examples per operation, no shrinking) so it takes seconds in CI; raise
``COOP_RULES_FUZZ_EXAMPLES`` for a longer run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from coop_rules.server.app import create_app
from coop_rules.server.settings import ServerSettings

APP = create_app(ServerSettings(max_concurrent=2, max_queued=64))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
EXAMPLES = int(os.environ.get("COOP_RULES_FUZZ_EXAMPLES", "8"))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_fails_on_generated_requests(case: schemathesis.Case) -> None:
    response = case.call()
    case.validate_response(response, checks=(not_a_server_error, status_code_conformance))


def test_the_spec_lists_every_route() -> None:
    paths = set(APP.openapi()["paths"])
    assert {"/v1/checks", "/v1/extract", "/v1/files", "/v1/rules", "/v1/rules/{code}"} <= paths
    assert "/healthz" in paths
    with pytest.raises(KeyError):
        APP.openapi()["paths"]["/docs"]  # the local docs page is not an API operation
