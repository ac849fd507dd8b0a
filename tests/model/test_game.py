from __future__ import annotations

import numpy as np
import pytest

from vvl_env.model import Game, matching_pennies, named_game, random_general_sum, random_zero_sum


def test_zero_sum_default_and_welfare(pennies: Game) -> None:
    assert pennies.is_zero_sum()
    np.testing.assert_array_equal(pennies.R2, -pennies.R1)
    assert pennies.welfare([0.3, 0.7], [0.9, 0.1]) == pytest.approx(0.0)
    # x R1 y by hand: x=(1,0), y=(1/2,1/2) -> 0
    np.testing.assert_allclose(pennies.payoffs([1, 0], [0.5, 0.5]), [0.0, 0.0])


def test_general_sum_payoffs(dilemma: Game) -> None:
    assert not dilemma.is_zero_sum()
    np.testing.assert_allclose(dilemma.payoffs([0, 1], [1, 0]), [5.0, 0.0])
    assert dilemma.welfare([1, 0], [1, 0]) == pytest.approx(6.0)


def test_game_is_immutable_value(pennies: Game) -> None:
    with pytest.raises(ValueError):
        pennies.R1[0, 0] = 5.0
    with pytest.raises(AttributeError):
        pennies.R1 = np.zeros((2, 2))  # type: ignore[misc]
    assert pennies == matching_pennies() and hash(pennies) == hash(matching_pennies())
    src = np.ones((2, 2))
    g = Game(src)
    src[0, 0] = 9.0
    assert g.R1[0, 0] == 1.0


def test_random_games_are_seeded() -> None:
    a = random_general_sum(3, 4, rng=np.random.default_rng(1))
    b = random_general_sum(3, 4, rng=np.random.default_rng(1))
    assert a == b and a.shape == (3, 4)
    assert random_zero_sum(2, 5, rng=np.random.default_rng(2)).is_zero_sum()


def test_render_shows_labels(pennies: Game) -> None:
    text = str(pennies)
    assert "H" in text and "T" in text and "1, -1" in text


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"R1": [[1.0, np.nan]]}, "R1: all entries must be finite"),
        ({"R1": [[1.0, np.inf]]}, "R1: all entries must be finite"),
        ({"R1": [1.0, 2.0]}, "R1: must be a 2-dimensional array"),
        ({"R1": [[1.0, 2.0], [3.0]]}, "R1: must be an array of real numbers"),
        ({"R1": [["a", "b"]]}, "R1: must be an array of real numbers"),
        ({"R1": [[1.0, 2.0]], "R2": [[1.0], [2.0]]}, "R2: must have the shape of R1"),
        ({"R1": [[1.0, 2.0]], "row_labels": ("a", "b")}, "row_labels: must have 1 labels"),
        ({"R1": [[1.0, 2.0]], "col_labels": ("a", "a")}, "col_labels: labels must be distinct"),
        ({"R1": np.zeros((0, 2))}, "R1: must not be empty"),
    ],
)
def test_bad_games_name_the_parameter(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(")):
        Game(**kwargs)


def test_named_game_errors() -> None:
    assert named_game("rock_paper_scissors").shape == (3, 3)
    with pytest.raises(ValueError, match="game: must be one of"):
        named_game("chess")
