"""Shared fixtures: a seeded Generator and named games; Hypothesis profiles.

Hypothesis runs the "seeded" profile by default (``derandomize=True``): every run, CI's included, tries the same
examples, so a red run is reproducible and the suite is as seeded as the library. ``HYPOTHESIS_PROFILE=explore``
draws fresh examples each run (with more of them), for hunting bugs on demand.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

settings.register_profile("seeded", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=500, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "seeded"))

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
