"""Single-agent decision problems (model.md §1): options with values; refining an option splits it in two."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vvl_env.model._validate import as_finite_array, check_index, check_labels, readonly
from vvl_env.model.perturbation import RefinementOutcome

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class DecisionProblem:
    """Options with values U(X); the coarse value is ``V0 = max_X U(X)``.

    Parameters
    ----------
    values : array_like, shape (N,)
    labels : list or tuple of distinct str, optional (default "A", "B", ... then "o26", ...)
    """

    values: FloatArray
    labels: tuple[str, ...] = None  # type: ignore[assignment]
    name: str = field(default="decision", compare=False)

    def __post_init__(self) -> None:
        values = as_finite_array("values", self.values, ndim=1)
        object.__setattr__(self, "values", readonly(values))
        if self.labels is None:
            labels = tuple(chr(65 + i) if i < 26 else f"o{i}" for i in range(values.size))
        else:
            labels = check_labels("labels", self.labels, values.size)
        object.__setattr__(self, "labels", labels)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DecisionProblem) and np.array_equal(self.values, other.values)
                and self.labels == other.labels)

    def __hash__(self) -> int:
        return hash((self.values.tobytes(), self.labels))

    @property
    def n_options(self) -> int:
        return int(self.values.size)

    @property
    def value(self) -> float:
        """``V0 = max_X U(X)``."""
        return float(self.values.max())

    def best_other(self, option: int) -> float:
        """``m = max_{X != option} U(X)`` (``-inf`` when there is no other option)."""
        others = np.delete(self.values, option)
        return float(others.max()) if others.size else float("-inf")

    def refine(self, option: int, outcome: RefinementOutcome) -> "DecisionProblem":
        """Split ``option`` into variants with values ``U + own1[0]`` and ``U + own2[0]`` (model.md §1)."""
        option = check_index("option", option, self.n_options)
        if not isinstance(outcome, RefinementOutcome) or outcome.batch_shape != () or np.shape(outcome.own1) != (1,):
            got = (f"offsets of shape {np.shape(outcome.own1)}" if isinstance(outcome, RefinementOutcome)
                   else type(outcome).__name__)
            raise ValueError(f"outcome: must be one unbatched RefinementOutcome against 1 opposing action (e.g. "
                             f"PerturbationModel.sample(rng=rng)), got {got}")
        u = self.values[option]
        new = np.concatenate([self.values[:option], [u + float(np.ravel(outcome.own1)[0]),
                                                     u + float(np.ravel(outcome.own2)[0])],
                              self.values[option + 1:]])
        base = self.labels[option]
        labels = self.labels[:option] + (f"{base}.1", f"{base}.2") + self.labels[option + 1:]
        return DecisionProblem(new, labels, name=self.name)
