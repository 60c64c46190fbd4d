"""Per-process state shared by the routes: settings, database, caches."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from service.cache import RenderCache
from service.settings import Settings
from service.store import Database


@dataclass
class ServiceState:
    settings: Settings
    db: Database
    results_cache: RenderCache = field(default_factory=RenderCache)
    snapshots: dict[tuple[str, int], bytes] = field(default_factory=dict)


async def get_state(request: Request) -> ServiceState:
    # async: FastAPI would run a plain function dependency in a thread pool, per request.
    state: ServiceState = request.app.state.service
    return state
