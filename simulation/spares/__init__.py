"""Spares: how many spare units each reserve needs so that replacements do not run out, and
what a missing spare costs in lost votes (``pollday spares``; docs/spares.md).

- :mod:`~simulation.spares.reserves` — which reserve each station draws from; fault sources
- :mod:`~simulation.spares.demand` — replacements per station-day, from the drawn faults
- :mod:`~simulation.spares.analytic` — the Poisson check
- :mod:`~simulation.spares.stock` — a finite stock served in time order
- :mod:`~simulation.spares.cost` — lost votes one spare short, on the same days
- :mod:`~simulation.spares.plan` — the answer per reserve; :mod:`~simulation.spares.model`
  its ``spares.json``
"""

from simulation.spares.model import SparesOutput
from simulation.spares.plan import DEFAULT_REPLICATIONS, SparesRequest, plan_spares

__all__ = ["DEFAULT_REPLICATIONS", "SparesOutput", "SparesRequest", "plan_spares"]
