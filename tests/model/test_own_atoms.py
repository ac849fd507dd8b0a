"""PerturbationModel.own_atoms: every value of the refiner's own offsets under a law with atoms, equally likely,
against the law's own sampler."""

import numpy as np
import pytest

from vvl_env.model import PerturbationModel
from vvl_env.model.perturbation import Beta


@pytest.mark.parametrize("rrp, n, count", [("pointwise", 2, 4), ("pointwise", 3, 8), ("expectation", 2, 16)])
def test_atoms_are_the_sampled_values_equally_often(rrp, n, count):
    law = PerturbationModel(sigma_own=1.3, sigma_other=1.0, rho=0.4, q=0.3, rrp=rrp, gap_law="rademacher", bias=0.1)
    atoms = law.own_atoms(n)
    assert atoms.q.size == count
    keys = np.concatenate([atoms.own1, atoms.own2], axis=1)
    assert len(np.unique(keys, axis=0)) == count
    draws = law.sample(rng=np.random.default_rng(0), n_opposing=n, size=40_000)
    seen = np.concatenate([draws.own1, draws.own2], axis=1)
    index = [int(np.flatnonzero(np.isclose(keys, row).all(axis=1))[0]) for row in seen[:4000]]   # each is an atom
    freq = np.bincount(index, minlength=count) / len(index)
    assert np.all(np.abs(freq - 1 / count) < 4 * np.sqrt((1 / count) * (1 - 1 / count) / len(index)))


def test_continuous_laws_have_no_atoms():
    assert PerturbationModel(gap_law="normal").own_atoms(2) is None
    assert PerturbationModel(gap_law="rademacher", q=Beta(2.0, 2.0)).own_atoms(2) is None
    assert PerturbationModel(gap_law="rademacher").own_atoms(20) is None        # more than max_atoms patterns
