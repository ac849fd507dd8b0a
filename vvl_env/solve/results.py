"""Result records of the solver layer; each carries its provenance (method, selection rule, tolerance, sample size)."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def normal_quantile(level: float) -> float:
    """``z_{(1+level)/2}``: the half-width in standard errors of a two-sided ``level`` normal interval (the
    standard library's inverse CDF, which agrees with ``scipy.stats.norm.ppf`` to 1e-15 and needs no scipy)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A number with its uncertainty: exact (``n = 0``, ``stderr = 0``) or a Monte Carlo mean.

    ``ci`` is the two-sided ``level`` confidence interval from the normal approximation ``mean ± z * stderr``.
    """

    mean: float
    stderr: float
    ci: tuple[float, float]
    n: int
    method: str
    level: float = 0.95

    @classmethod
    def exact(cls, value: float, method: str = "closed form") -> "Estimate":
        v = float(value)
        return cls(v, 0.0, (v, v), 0, method)

    @classmethod
    def from_samples(cls, samples: npt.ArrayLike, method: str = "monte carlo", level: float = 0.95) -> "Estimate":
        """Mean of i.i.d. samples with the CLT interval ``mean ± z_{(1+level)/2} * sd / sqrt(n)``."""
        s = np.asarray(samples, dtype=np.float64).ravel()
        n = s.size
        mean = float(s.mean())
        se = float(s.std(ddof=1) / np.sqrt(n)) if n > 1 else float("inf")
        z = normal_quantile(level)
        return cls(mean, se, (mean - z * se, mean + z * se), n, method, level)

    def contains(self, value: float, slack: float = 0.0) -> bool:
        return self.ci[0] - slack <= value <= self.ci[1] + slack

    def as_dict(self) -> dict[str, object]:
        return {"mean": self.mean, "stderr": self.stderr, "ci": list(self.ci), "n": self.n, "method": self.method,
                "level": self.level}

    def __str__(self) -> str:
        if self.n == 0:
            return f"{self.mean:.4f} ({self.method})"
        return f"{self.mean:.4f} [{self.ci[0]:.4f}, {self.ci[1]:.4f}]"

    def __format__(self, spec: str) -> str:
        """``f"{est:.3f}"``: the mean, then for a Monte Carlo estimate its interval, each number formatted with
        ``spec`` (``"0.123 [0.100, 0.146]"``); an empty spec gives ``str(est)``."""
        if not spec:
            return str(self)
        if self.n == 0:
            return format(self.mean, spec)
        return f"{self.mean:{spec}} [{self.ci[0]:{spec}}, {self.ci[1]:{spec}}]"
