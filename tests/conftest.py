"""Shared fixtures: a seeded Generator and named games."""

from __future__ import annotations

import numpy as np
import pytest

from vvl_env.model import Game, matching_pennies, prisoners_dilemma, rock_paper_scissors


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def pennies() -> Game:
    return matching_pennies()


@pytest.fixture
def rps() -> Game:
    return rock_paper_scissors()


@pytest.fixture
def dilemma() -> Game:
    return prisoners_dilemma()
