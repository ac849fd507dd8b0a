"""Numbers that stay true: every marked number of the README equals the value its source file gives
(``docs/results.json``, written by ``vvl reproduce --docs docs``)."""

from __future__ import annotations

from pathlib import Path

from vvl_env.paper.readme import MARK, fill, source_values, stale
from vvl_env.paper.readme_values import zero_sum_values

ROOT = Path(__file__).resolve().parents[2]


def test_readme_numbers_match_their_sources() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    keys = [m["key"] for m in MARK.finditer(text)]
    assert len(keys) > 50 and len(set(keys)) == len(keys)
    assert stale(text, source_values(ROOT)) == []  # fix: python -m vvl_env.paper.readme (or vvl reproduce --docs)


def test_every_results_and_benchmarks_section_number_is_marked() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for section, marks in [("## Results", 60)]:
        body = text.split(section, 1)[1].split("\n## ", 1)[0]
        assert len(MARK.findall(body)) >= marks, section


def test_a_stale_number_is_found_and_refilled() -> None:
    text = "welfare <!--v:a.b-->0.104 [0.082, 0.125]<!--/v--> and <!--v:c-->1<!--/v-->"
    values = {"a.b": "0.091 [0.069, 0.114]", "c": "1"}
    assert stale(text, values) == ["a.b: README shows '0.104 [0.082, 0.125]', the source gives "
                                   "'0.091 [0.069, 0.114]'"]
    assert stale(fill(text, values), values) == []
    assert stale(text, {"c": "1"})[0].startswith("a.b: no such value")


def test_values_come_from_the_study_tables() -> None:
    row = {"game": "g", "mode": "mutual", "E[welfare]": 0.3212, "95% CI": [0.3012, 0.3412], "P[welfare < 0]": 0.149,
           "E[payoff 0]": 0.1801, "E[payoff 1]": 0.1411}
    assert zero_sum_values({"tables": [row]}) == {"zero_sum.g.mutual.welfare": "0.321 [0.301, 0.341]",
                                                  "zero_sum.g.mutual.p_negative": "0.15",
                                                  "zero_sum.g.mutual.payoffs": "0.180, 0.141"}


def test_only_a_full_reproduction_writes_the_readme_numbers(tmp_path: Path, capsys) -> None:
    from vvl_env.cli import main

    assert main(["reproduce", "scenarios/paper/2_costs.toml", "--size", "tiny", "--docs", str(tmp_path)]) == 2
    assert "--docs: only a full-size reproduction" in capsys.readouterr().err


def test_learner_rate_intervals_are_wilson_intervals() -> None:
    from scipy.stats import binomtest

    from vvl_env.paper.learners import _text
    from vvl_env.solve import Estimate

    ci = binomtest(4, 2000).proportion_ci(method="wilson")  # scipy as the oracle
    assert _text("refine_rate/player_0", Estimate(0.002, 0.001, (-0.0008, 0.0048), 2000, "evaluation")) == \
        f"0.002 [{ci.low:.3f}, {ci.high:.3f}]"
