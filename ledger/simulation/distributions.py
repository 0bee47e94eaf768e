"""Random quantities of a scenario: how a value, a delay or a duration is drawn.

A distribution is a TOML inline table with a ``dist`` name and its parameters::

    value = { dist = "lognormal", median = 400, sigma = 0.5 }
    delay_days = { dist = "triangular", low = 0, mode = 10, high = 60 }

Draws are floats from :class:`random.Random`; :meth:`draw_int` rounds them to a
non-negative integer (values are integers in the valuation schedule's unit, delays whole
days). Money is never drawn as a float: see :mod:`ledger.simulation.world`.
"""

from __future__ import annotations

import math
import random
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def draw(self, rng: random.Random) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def draw_int(self, rng: random.Random) -> int:
        """A draw rounded to the nearest integer, at least 0."""
        return max(0, round(self.draw(rng)))

    def mean(self) -> float:  # pragma: no cover - every subclass overrides
        raise NotImplementedError


class Fixed(_Dist):
    """Always ``value``."""

    dist: Literal["fixed"]
    value: NonNegative

    def draw(self, rng: random.Random) -> float:
        return self.value

    def mean(self) -> float:
        return self.value


class Uniform(_Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"]
    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        return self

    def draw(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)

    def mean(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Dist):
    """Triangular on ``[low, high]`` with its peak at ``mode``."""

    dist: Literal["triangular"]
    low: NonNegative
    mode: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"need low <= mode <= high, got {self.low}, {self.mode}, {self.high}")
        return self

    def draw(self, rng: random.Random) -> float:
        return rng.triangular(self.low, self.high, self.mode)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Normal(_Dist):
    """Normal with ``mean`` and standard deviation ``sd``; negative draws count as 0."""

    dist: Literal["normal"]
    mean_: NonNegative = Field(alias="mean")
    sd: NonNegative

    def draw(self, rng: random.Random) -> float:
        return max(0.0, rng.gauss(self.mean_, self.sd))

    def mean(self) -> float:
        return self.mean_


class LogNormal(_Dist):
    """Log-normal with the given ``median`` and ``sigma`` (of the underlying normal)."""

    dist: Literal["lognormal"]
    median: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    sigma: NonNegative

    def draw(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(self.median), self.sigma)

    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)


#: Any distribution, chosen by its ``dist`` field.
Distribution = Annotated[
    Fixed | Uniform | Triangular | Normal | LogNormal, Field(discriminator="dist")
]


def fixed(value: float) -> Fixed:
    """A distribution that is always ``value`` (the default of optional delays)."""
    return Fixed(dist="fixed", value=value)
