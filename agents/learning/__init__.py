"""SB3 learners for vvl's environments: ``TrainConfig`` -> ``train`` -> ``TrainResult`` (policies as vvl
``Policy`` objects, a learning curve, checkpoints); ``load`` reads a saved run back.

Modules: ``config`` (TrainConfig), ``envs`` (VecEnv factories and adapters), ``policies`` (SB3 models as Policies,
how masks are applied), ``loop`` (chunked SB3 learn loop, self-play pool), ``checkpoint`` (save/resume with RNG and
env state), ``curve`` (seeded evaluation for learning curves), ``mmd_ppo`` (MaskablePPO with a magnet: Magnetic
Mirror Descent), ``average`` (time-averaged snapshot policies), ``phase_metrics`` (play NashConv and refine-decision
gaps, last iterate and average, for the curves), ``realised`` (the games and agreements seeded episodes realise),
``frozen`` (frozen network copies), ``train``.
"""

from agents.learning.average import AveragePolicy
from agents.learning.config import DEFAULT_HYPERPARAMS, TrainConfig
from agents.learning.curve import UniformPolicy, evaluate_policies
from agents.learning.policies import SB3Policy
from agents.learning.train import TrainResult, load, train

__all__ = ["AveragePolicy", "DEFAULT_HYPERPARAMS", "SB3Policy", "TrainConfig", "TrainResult", "UniformPolicy", "evaluate_policies",
           "load", "train"]
