"""``GET /healthz``: alive, and how full the check pool is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

import coop_rules
from coop_rules.ledger.store import is_url
from coop_rules.server.deps import ProducesJson, Service
from coop_rules.server.models import Health

router = APIRouter(tags=["service"], dependencies=[ProducesJson])


@router.get("/healthz", summary="Liveness and load", response_model=Health)
def health(service: Service) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": coop_rules.__version__,
        "checks_inside": service.gate.inside,
        "capacity": service.gate.capacity,
        "uploads_inside": service.budget.uploads,
        # Which kind of ledger checks read, not where it is (this answer needs no key).
        "ledger": _ledger_kind(service.settings.ledger),
    }


def _ledger_kind(location: str | None) -> str | None:
    if location is None:
        return None
    return "postgresql" if is_url(location) else "sqlite"
