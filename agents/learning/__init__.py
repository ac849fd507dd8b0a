"""SB3 learners for vvl's environments: ``TrainConfig`` -> ``train`` -> ``TrainResult`` (policies as vvl
``Policy`` objects, a learning curve, checkpoints); ``load`` reads a saved run back.

Modules: ``config`` (TrainConfig), ``envs`` (VecEnv factories and adapters), ``policies`` (SB3 models as Policies,
how masks are applied), ``loop`` (chunked SB3 learn loop, self-play pool), ``checkpoint`` (save/resume with RNG and
env state), ``curve`` (seeded evaluation for learning curves), ``mmd_ppo`` (MaskablePPO with a magnet: Magnetic
Mirror Descent), ``average`` (time-averaged snapshot policies), ``phase_metrics`` (play NashConv and refine-decision
gaps, last iterate and average, for the curves), ``realised`` (the games and agreements seeded episodes realise),
``frozen`` (frozen network copies), ``exploitability_descent`` (two networks that descend the NashConv of their
play with full information on refine_matrix_v0: ``EDConfig`` -> ``train_exploitability_descent`` -> ``EDResult``),
``train``.
"""

import importlib
import sys
import types
from typing import Any

from agents.learning.config import DEFAULT_HYPERPARAMS, TrainConfig

#: Exported name -> its module; imported on first use, so ``import agents.learning.config`` (scenario validation)
#: does not import torch and stable-baselines3.
_LAZY = {"AveragePolicy": "average", "UniformPolicy": "curve", "evaluate_policies": "curve", "SB3Policy": "policies",
         "TrainResult": "train", "load": "train", "train": "train",
         "EDConfig": "exploitability_descent", "EDResult": "exploitability_descent",
         "train_exploitability_descent": "exploitability_descent"}
__all__ = ["AveragePolicy", "DEFAULT_HYPERPARAMS", "EDConfig", "EDResult", "SB3Policy", "TrainConfig", "TrainResult", "UniformPolicy",
           "evaluate_policies", "load", "train", "train_exploitability_descent"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """Keeps ``agents.learning.train`` the function: importing the submodule ``agents.learning.train`` binds the
    module to the package's attribute of that name, as Python does for every submodule."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "train" and isinstance(value, types.ModuleType):
            value = value.train
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
