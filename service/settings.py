"""Service settings, passed from ``pollday serve`` to each uvicorn worker process.

Workers are separate processes started by uvicorn, so the settings travel as JSON in an
environment variable and are re-validated there (the parent validated them first, so a bad
value is reported once, before anything starts).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

from service.exits import ServiceInputError
from service.faults import FaultConfig, parse_endpoints, parse_latency_spec
from service.limits import (
    DEFAULT_BODY_TIMEOUT_S,
    DEFAULT_HEADER_TIMEOUT_S,
    DEFAULT_KEEP_ALIVE_S,
    DEFAULT_MAX_CONNECTIONS,
)
from service.ranges import check_range

SETTINGS_ENV = "POLLDAY_SERVICE_SETTINGS"


class SettingsError(ServiceInputError, ValueError):
    """A setting the service cannot run with; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret: str
    admin_token: str | None = None
    inject_latency_ms: str | None = None
    inject_error_rate: float = 0.0
    inject_error_status: int = 503
    inject_stall_s: float = 0.0
    inject_stall_after_s: float = 0.0
    inject_endpoints: str = "all"
    inject_seed: int = 0
    keep_alive_s: float = DEFAULT_KEEP_ALIVE_S
    header_timeout_s: float = DEFAULT_HEADER_TIMEOUT_S
    body_timeout_s: float = DEFAULT_BODY_TIMEOUT_S
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    def check_limits(self) -> None:
        """Raise RangeError (a ServiceInputError) for connection limits outside their range."""
        for name in ("keep_alive_s", "header_timeout_s", "body_timeout_s", "max_connections"):
            check_range(_flag(name), getattr(self, name))

    def faults(self) -> FaultConfig:
        """The fault configuration; raises FaultSpecError or RangeError for bad options."""
        for name in ("inject_error_rate", "inject_error_status", "inject_stall_s",
                     "inject_stall_after_s", "inject_seed"):
            check_range(_flag(name), getattr(self, name))
        return FaultConfig(
            latency=None if self.inject_latency_ms is None
            else parse_latency_spec(self.inject_latency_ms),
            error_rate=self.inject_error_rate,
            error_status=self.inject_error_status,
            stall_s=self.inject_stall_s,
            stall_after_s=self.inject_stall_after_s,
            endpoints=parse_endpoints(self.inject_endpoints),
            seed=self.inject_seed,
        )

    def to_env(self) -> None:
        os.environ[SETTINGS_ENV] = json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> Settings:
        text = os.environ.get(SETTINGS_ENV)
        if not text:
            raise SettingsError(
                f"{SETTINGS_ENV} is not set: start the service with 'pollday serve'"
            )
        return cls(**json.loads(text))


def _flag(field_name: str) -> str:
    """The command-line flag of a Settings field (they share their names)."""
    return "--" + field_name.replace("_", "-")
