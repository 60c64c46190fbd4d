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
        """Raise SettingsError for connection limits the service cannot run with."""
        for name in ("keep_alive_s", "header_timeout_s", "body_timeout_s"):
            if not 0 < getattr(self, name) <= 3600:
                flag = "--" + name.replace("_s", "-s").replace("_", "-")
                raise SettingsError(f"{flag} must be > 0 and <= 3600 seconds, "
                                    f"got {getattr(self, name)}")
        if self.max_connections < 16:
            raise SettingsError(f"--max-connections must be at least 16, "
                                f"got {self.max_connections}")

    def faults(self) -> FaultConfig:
        """The fault configuration; raises FaultSpecError (a ValueError) for bad options."""
        if not 0.0 <= self.inject_error_rate <= 1.0:
            raise SettingsError(
                f"--inject-error-rate must be between 0 and 1, got {self.inject_error_rate}"
            )
        if self.inject_stall_s < 0 or self.inject_stall_after_s < 0:
            raise SettingsError("--inject-stall-s and --inject-stall-after-s must be >= 0")
        if not 400 <= self.inject_error_status <= 599:
            raise SettingsError(
                f"--inject-error-status must be an HTTP error status (400-599), "
                f"got {self.inject_error_status}"
            )
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
