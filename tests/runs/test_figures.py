"""Report figures on awkward data: what a run can produce must draw, never crash the report."""

from __future__ import annotations

import numpy as np

from vvl_env.runs.figures import welfare_distributions


def test_welfare_histogram_of_values_equal_up_to_rounding(tmp_path):
    """Every episode's welfare 1.0 up to one ulp (a bargaining run that always agrees): the spread 1.1e-16 cannot
    hold 17 bins; the figure draws them on a unit span around the value."""
    values = [1.0, 0.9999999999999999] * 150
    assert welfare_distributions({"a": values, "b": [1.0] * 10}, tmp_path / "w.png").exists()
    assert welfare_distributions({"a": list(np.linspace(0.0, 1e-3, 50))}, tmp_path / "v.png").exists()
