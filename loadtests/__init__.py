"""Load tests built from the simulation: schedule replay, users, the synthetic register.

Importing ``locust`` monkey-patches the whole process (gevent), so only the locustfile and
modules it alone uses import it; this package's ``__init__`` and everything the
orchestrator imports (register, thresholds, audit) stay free of it.

The public API is the adapter extension point (docs/loadtests.md, "Adapters"): subclass
:class:`Adapter`, build :class:`HttpRequest` s from :class:`CheckinItem` s and parse
:class:`Answer` s::

    from loadtests import Adapter, Answer, CheckinItem, HttpRequest
"""

from loadtests.adapter import (
    Adapter,
    AdapterContext,
    AdapterError,
    Answer,
    CheckinItem,
    HttpRequest,
    ProtocolCounts,
)

__all__ = [
    "Adapter",
    "AdapterContext",
    "AdapterError",
    "Answer",
    "CheckinItem",
    "HttpRequest",
    "ProtocolCounts",
]
