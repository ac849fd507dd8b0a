"""The reproduction suite: one study per result of our model (model.md §1-§4), analytic next to Monte Carlo.

Each study is a pure function ``study(size) -> StudyResult`` (curves with intervals, tables, and *checks*: numbers
compared with closed forms or Monte Carlo oracles within stated tolerances), so the same code feeds the figures, the
report and the tests (``size="tiny"``). Records live in :mod:`vvl_env.paper.records`; this package imports nothing at
import time, so ``vvl validate`` of a study file stays fast.
"""
