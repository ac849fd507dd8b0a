"""Seeds of evaluation episodes: one independent stream per (run seed, episode), so two seeds never share episodes."""

from __future__ import annotations

import numpy as np


def episode_seed(seed: int, episode: int) -> int:
    """The ``reset`` seed of episode ``episode`` under run seed ``seed``: ``SeedSequence([seed, episode])``'s first
    word. (``seed + episode`` would make seeds 0 and 1 share all but one of their episodes.)"""
    return int(np.random.SeedSequence([int(seed), int(episode)]).generate_state(1)[0])
