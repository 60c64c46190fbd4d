"""Probability distributions a scenario can name, validated on load.

Every distribution is a small pydantic model tagged by ``kind``. Each one checks its own
parameters, knows its theoretical ``mean`` and draws vectorised samples through an explicit
``rng``: the station model never draws one number at a time.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Self, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

FloatArray = NDArray[np.float64]

# Parameters have the unit of the scenario field holding the distribution.
_UNIT = ("in the unit of the field it describes (its key's suffix: _s, _min, _h; voters "
         "for registered)")

# z-score of the 95th percentile of a standard normal: median/p95 lognormal parametrisation.
_Z95 = 1.6448536269514722


class _Dist(BaseModel):
    # inf/nan (valid TOML) would pass the ge/gt rules of some parameters and crash the run.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @property
    def mean(self) -> float:
        raise NotImplementedError

    def sample(self, n: int, *, rng: np.random.Generator) -> FloatArray:
        raise NotImplementedError

    def scaled(self, factor: float) -> Self:
        """The same shape with every value multiplied by ``factor`` (sensitivity runs)."""
        updates = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name != "kind" and name != "weights" and value is not None:
                if isinstance(value, list):
                    updates[name] = [v * factor for v in value]
                else:
                    updates[name] = value * factor
        return self.model_copy(update=updates)


class _MeanAliased(_Dist):
    # ``mean`` in the file is ``mean_value`` here (``mean`` is the theoretical-mean property).
    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, populate_by_name=True
    )


class Fixed(_Dist):
    """Always the same value (deterministic tests, known constants)."""

    kind: Literal["fixed"] = Field(description="fixed: always the same value")
    value: float = Field(ge=0, description=f"the value, {_UNIT}; at least 0")

    @property
    def mean(self) -> float:
        return self.value

    def sample(self, n: int, *, rng: np.random.Generator) -> FloatArray:
        return np.full(n, self.value, dtype=np.float64)


class Exponential(_MeanAliased):
    kind: Literal["exponential"] = Field(
        description="exponential: memoryless; short values common, long ones rare")
    mean_value: float = Field(gt=0, alias="mean", description=f"mean, {_UNIT}; above 0")

    @property
    def mean(self) -> float:
        return self.mean_value

    def sample(self, n: int, *, rng: np.random.Generator) -> FloatArray:
        return rng.exponential(self.mean_value, size=n)


class Lognormal(_MeanAliased):
    """Lognormal given either by ``mean`` and ``sd`` or by ``median`` and ``p95``."""

    kind: Literal["lognormal"] = Field(
        description="lognormal: skewed to the right, as service times are; give mean and sd, "
        "or median and p95")
    mean_value: float | None = Field(
        default=None, gt=0, alias="mean",
        description=f"mean, {_UNIT}; above 0; with sd (not with median and p95)")
    sd: float | None = Field(default=None, gt=0, description="standard deviation, in the "
                             "unit of the mean; above 0; with mean")
    median: float | None = Field(default=None, gt=0, description="median (half the values "
                                 f"below), {_UNIT}; above 0; with p95")
    p95: float | None = Field(default=None, gt=0, description="95th percentile (95 % of the "
                              "values below), in the unit of the median; above the median")

    @model_validator(mode="after")
    def _one_parametrisation(self) -> Self:
        by_moments = self.mean_value is not None and self.sd is not None
        by_quantiles = self.median is not None and self.p95 is not None
        mixed = (self.mean_value is not None or self.sd is not None) and (
            self.median is not None or self.p95 is not None
        )
        if mixed or by_moments == by_quantiles:
            raise ValueError("give either 'mean' and 'sd', or 'median' and 'p95' (not both)")
        if self.p95 is not None and self.median is not None and self.p95 <= self.median:
            raise ValueError(f"p95 ({self.p95}) must be greater than median ({self.median})")
        return self

    @property
    def mu_sigma(self) -> tuple[float, float]:
        """Parameters of the underlying normal."""
        if self.median is not None and self.p95 is not None:
            mu = math.log(self.median)
            return mu, (math.log(self.p95) - mu) / _Z95
        assert self.mean_value is not None and self.sd is not None
        sigma2 = math.log1p((self.sd / self.mean_value) ** 2)
        return math.log(self.mean_value) - sigma2 / 2, math.sqrt(sigma2)

    @property
    def mean(self) -> float:
        mu, sigma = self.mu_sigma
        return math.exp(mu + sigma * sigma / 2)

    def sample(self, n: int, *, rng: np.random.Generator) -> FloatArray:
        mu, sigma = self.mu_sigma
        return rng.lognormal(mu, sigma, size=n)


class Gamma(_MeanAliased):
    kind: Literal["gamma"] = Field(description="gamma: given by its mean and sd")
    mean_value: float = Field(gt=0, alias="mean", description=f"mean, {_UNIT}; above 0")
    sd: float = Field(gt=0, description="standard deviation, in the unit of the mean; above 0")

    @property
    def mean(self) -> float:
        return self.mean_value

    def sample(self, n: int, *, rng: np.random.Generator) -> FloatArray:
        shape = (self.mean_value / self.sd) ** 2
        return rng.gamma(shape, self.sd**2 / self.mean_value, size=n)


class Uniform(_Dist):
    kind: Literal["uniform"] = Field(description="uniform: every value from low to high "
                                     "equally likely")
    low: float = Field(ge=0, description=f"smallest value, {_UNIT}; at least 0")
    high: float = Field(ge=0, description="largest value, in the unit of low; above low")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, n: int, *, rng: np.random.Generator) -> FloatArray:
        return rng.uniform(self.low, self.high, size=n)


class Empirical(_Dist):
    """Observed data: either listed ``values`` (resampled), or a histogram.

    A histogram is ``edges`` (n+1 increasing bin edges) and ``weights`` (n non-negative
    counts or shares); a draw picks a bin by weight and a point uniformly inside it.
    """

    kind: Literal["empirical"] = Field(
        description="empirical: observed data, as listed values or as a histogram")
    values: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description=f"observations, {_UNIT}, each at least 0; a draw "
        "picks one of them (instead of edges and weights)")
    edges: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description=f"a histogram's bin edges, strictly increasing, {_UNIT}; "
        "one more edge than weights")
    weights: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description="a histogram's counts or shares per bin, at least 0, not "
        "all 0; a draw picks a bin by weight and a point uniformly inside it")

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if self.values is not None:
            if self.edges is not None or self.weights is not None:
                raise ValueError("give either 'values', or 'edges' and 'weights' (not both)")
            if not self.values:
                raise ValueError("'values' must list at least one observation")
            return self
        if self.edges is None or self.weights is None:
            raise ValueError("give either 'values', or 'edges' and 'weights'")
        if len(self.edges) != len(self.weights) + 1:
            raise ValueError(
                f"a histogram needs one more edge than weights "
                f"(got {len(self.edges)} edges, {len(self.weights)} weights)"
            )
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError("histogram 'edges' must be strictly increasing")
        if sum(self.weights) <= 0:
            raise ValueError("histogram 'weights' must not all be zero")
        return self

    @property
    def mean(self) -> float:
        if self.values is not None:
            return float(np.mean(self.values))
        assert self.edges is not None and self.weights is not None
        edges = np.asarray(self.edges)
        weights = np.asarray(self.weights) / sum(self.weights)
        return float(np.sum(weights * (edges[:-1] + edges[1:]) / 2))

    def sample(self, n: int, *, rng: np.random.Generator) -> FloatArray:
        if self.values is not None:
            return rng.choice(np.asarray(self.values, dtype=np.float64), size=n)
        assert self.edges is not None and self.weights is not None
        edges = np.asarray(self.edges, dtype=np.float64)
        weights = np.asarray(self.weights, dtype=np.float64)
        bins = rng.choice(len(weights), size=n, p=weights / weights.sum())
        return edges[bins] + rng.random(n) * (edges[bins + 1] - edges[bins])


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Uniform | Empirical,
    Field(discriminator="kind"),
]
"""Any distribution a scenario may name; the ``kind`` field selects which."""

KINDS = frozenset(
    get_args(cls.model_fields["kind"].annotation)[0]
    for cls in (Fixed, Exponential, Lognormal, Gamma, Uniform, Empirical)
)
"""The ``kind`` tags of :data:`Distribution` ("fixed", "lognormal", ...)."""
