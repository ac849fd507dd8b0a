"""The batched vertex enumeration (vvl_env.solve.vertex_enumeration) against its earlier, slower formulation, bit
for bit: the reference below keeps the matrix-last layout (bases solved on (..., k, k) stacks, flags reduced with
``np.all`` and labels by an integer matmul, vertices compacted by a stable argsort) that the fast path replaced by
entries-first closed forms, byte-packed flags and a sparse compaction. Also pins the analytic refine_matrix agent's
lookahead (depth 1 and 2) to the values the earlier code computed, as float hex."""

from __future__ import annotations

import numpy as np
import pytest

from agents.analytic.matrix_value import lookahead
from vvl_env.model import matching_pennies, rock_paper_scissors
from vvl_env.model.perturbation import PerturbationModel
from vvl_env.model.refine import refine_arrays
from vvl_env.solve import vertex_enumeration as ve
from vvl_env.solve.polytope_walk import row_normalised


def _reference_cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def _reference_cramer4(M: np.ndarray, hadamard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = [[M[..., i, j] for j in range(4)] for i in range(4)]
    s = [a[0][i] * a[1][j] - a[1][i] * a[0][j] for i, j in ve._PAIRS4]
    c = [a[2][i] * a[3][j] - a[3][i] * a[2][j] for i, j in ve._PAIRS4]
    det = s[0] * c[5] - s[1] * c[4] + s[2] * c[3] + s[3] * c[2] - s[4] * c[1] + s[5] * c[0]
    u = [a[1][1] - a[0][1], a[1][2] - a[0][2], a[1][3] - a[0][3], a[1][0] - a[0][0]]
    w = [a[3][1] - a[2][1], a[3][2] - a[2][2], a[3][3] - a[2][3], a[3][0] - a[2][0]]
    adj1 = np.stack([u[0] * c[5] - u[1] * c[4] + u[2] * c[3] + w[0] * s[5] - w[1] * s[4] + w[2] * s[3],
                     -u[3] * c[5] + u[1] * c[2] - u[2] * c[1] - w[3] * s[5] + w[1] * s[2] - w[2] * s[1],
                     u[3] * c[4] - u[0] * c[2] + u[2] * c[0] + w[3] * s[4] - w[0] * s[2] + w[2] * s[0],
                     -u[3] * c[3] + u[0] * c[1] - u[1] * c[0] - w[3] * s[3] + w[0] * s[1] - w[1] * s[0]], axis=-1)
    singular = det == 0
    v = np.where(singular[..., None], 1.0, adj1 / np.where(singular, 1.0, det)[..., None])
    ratio = np.abs(det) / hadamard
    redo = ratio < ve._CRAMER_MIN_RATIO
    if redo.any():
        v[redo], ratio[redo] = ve._lapack(M[redo], hadamard[redo])
    return v, ratio


def _reference_solve(G: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = G.shape[-1]
    if k == 1:
        return 1.0 / G[..., 0], np.ones(G.shape[:-2])
    M = np.swapaxes(G, -1, -2)
    hadamard = np.prod(np.linalg.norm(M, axis=-1), axis=-1)
    if k == 2:
        a, b, c, d = M[..., 0, 0], M[..., 0, 1], M[..., 1, 0], M[..., 1, 1]
        det = a * d - b * c
        safe = np.where(det != 0, det, 1.0)
        return np.stack([(d - b) / safe, (a - c) / safe], axis=-1), np.abs(det) / hadamard
    if k == 3:
        r0, r1, r2 = M[..., 0, :], M[..., 1, :], M[..., 2, :]
        c12, c20, c01 = _reference_cross(r1, r2), _reference_cross(r2, r0), _reference_cross(r0, r1)
        det = np.einsum("...i,...i->...", r0, c12)
        return (c12 + c20 + c01) / np.where(det != 0, det, 1.0)[..., None], np.abs(det) / hadamard
    if k == 4:
        return _reference_cramer4(M, hadamard)
    return ve._lapack(M, hadamard)


def reference_polytope_vertices(M: np.ndarray, tol: float = ve.LABEL_TOL) -> tuple[np.ndarray, ...]:
    """The earlier :func:`~vvl_env.solve.vertex_enumeration.polytope_vertices`."""
    B, d, c = M.shape
    blocks = ve._bases(d, c)
    total = sum(len(rows) for _, rows, _ in blocks)
    V, ratio, off = np.zeros((B, total, d)), np.zeros((B, total)), 0
    for _, rows, cols in blocks:
        N = len(rows)
        sol, ratio[:, off:off + N] = _reference_solve(M[:, rows[:, :, None], cols[:, None, :]])
        V[:, off + np.arange(N)[:, None], rows] = sol
        off += N
    slack = 1.0 - V @ M
    feasible = (ratio > 0) & np.all(V >= -tol, axis=-1) & np.all(slack >= -tol, axis=-1)
    bits = np.concatenate([V <= tol, np.abs(slack) <= tol], axis=-1)
    labels = bits.astype(np.int64) @ (np.int64(1) << np.arange(d + c, dtype=np.int64))
    return V, labels, feasible, ratio <= ve.SINGULAR_TOL


def _reference_compact(V: np.ndarray, labels: np.ndarray, feasible: np.ndarray, ill: np.ndarray,
                       d: int) -> tuple[np.ndarray, ...]:
    degenerate = np.any(feasible & ~ill & (np.bitwise_count(labels) > d), axis=1)
    feasible = feasible & ~(ill & degenerate[:, None])
    K = max(int(feasible.sum(axis=1).max(initial=0)), 1)
    order = np.argsort(~feasible, axis=1, kind="stable")[:, :K]
    return (np.take_along_axis(V, order[:, :, None], axis=1), np.take_along_axis(labels, order, axis=1),
            np.take_along_axis(feasible, order, axis=1), degenerate)


def reference_extreme_equilibria(R1: np.ndarray, R2: np.ndarray, tol: float = ve.LABEL_TOL) -> tuple[np.ndarray, ...]:
    """The earlier :func:`~vvl_env.solve.vertex_enumeration.extreme_equilibria` (one chunk)."""
    G, m, n = R1.shape
    B, sx = row_normalised(R2)
    A, sy = row_normalised(np.swapaxes(R1, -1, -2))
    Vx, lx, fx, dx = _reference_compact(*reference_polytope_vertices(B, tol), m)
    Vy, ly, fy, dy = _reference_compact(*reference_polytope_vertices(A, tol), n)
    ly = ((ly & ((1 << n) - 1)) << m) | (ly >> n)
    match = ((lx[:, :, None] | ly[:, None, :]) == (1 << (m + n)) - 1) & fx[:, :, None] & fy[:, None, :]
    g, p, q = np.nonzero(match)
    x, y = Vx[g, p], Vy[g, q]
    x, y = x / x.sum(axis=1, keepdims=True) / sx[g], y / y.sum(axis=1, keepdims=True) / sy[g]
    return g, x / x.sum(axis=1, keepdims=True), y / y.sum(axis=1, keepdims=True), dx | dy


def _batches(shape: tuple[int, int], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Continuous, integer (degenerate), zero-sum integer, badly scaled and refined-RPS batches of one shape."""
    rng = np.random.default_rng(seed)
    m, n = shape
    size = (60, m, n)
    ints = rng.integers(-1, 2, size=size).astype(float)
    scale = 10.0 ** rng.integers(-8, 9, size=(60, 1, 1))
    out = [(rng.normal(size=size), rng.normal(size=size)), (ints, rng.integers(-2, 3, size=size).astype(float)),
           (ints, -ints), (rng.normal(size=size) * scale, rng.normal(size=size) * 1e-7)]
    if m >= 3 and n == 3:   # a refined rock-paper-scissors: row splits with normal offsets, as the agents draw them
        game = rock_paper_scissors()
        R1, R2 = np.broadcast_to(game.R1, (60, 3, 3)), np.broadcast_to(game.R2, (60, 3, 3))
        draws = PerturbationModel(1.0, 1.0, 0.0).sample(rng=rng, n_opposing=3, size=60)
        for _ in range(m - 3):
            R1, R2 = refine_arrays(R1, R2, 0, 0, draws)
        out.append((np.ascontiguousarray(R1), np.ascontiguousarray(R2)))
    return out


SHAPES = [(1, 1), (1, 4), (2, 2), (2, 3), (3, 3), (3, 4), (4, 3), (4, 4), (5, 3), (3, 5), (4, 5), (5, 5), (6, 6),
          (4, 7)]


@pytest.mark.parametrize("shape", SHAPES)
def test_polytope_vertices_match_reference_bit_for_bit(shape: tuple[int, int]) -> None:
    for R1, R2 in _batches(shape, 7):
        for M in (row_normalised(R2)[0], row_normalised(np.swapaxes(R1, -1, -2))[0]):
            for new, old in zip(ve.polytope_vertices(M), reference_polytope_vertices(M)):
                assert new.dtype == old.dtype and np.array_equal(new, old)


@pytest.mark.parametrize("shape", SHAPES)
def test_extreme_equilibria_match_reference_bit_for_bit(shape: tuple[int, int]) -> None:
    for R1, R2 in _batches(shape, 11):
        for new, old in zip(ve.extreme_equilibria(R1, R2), reference_extreme_equilibria(R1, R2)):
            assert new.dtype == old.dtype and np.array_equal(new, old)


def test_flag_packing() -> None:
    """Byte-packed flags: ``_all_set`` is ``np.all`` and ``_bit_masks`` the binary number of the flags, up to 20."""
    rng = np.random.default_rng(3)
    for d, c in [(1, 1), (3, 5), (5, 3), (8, 8), (12, 8)]:
        left, right = rng.integers(0, 2, size=(50, 7, d)).astype(float), rng.integers(0, 2, size=(50, 7, c)) * 1.0
        flags = np.concatenate([left >= 1.0, right >= 1.0], axis=-1)
        words = ve._flag_words(left, right, np.greater_equal, 1.0, pad=True)
        assert np.array_equal(ve._all_set(words), flags.all(axis=-1))
        words = ve._flag_words(left, right, np.greater_equal, 1.0, pad=False)
        assert np.array_equal(ve._bit_masks(words), flags.astype(np.int64) @ (1 << np.arange(d + c)))


RECORDED = {  # lookahead(stop, q_values, stderr) of the earlier code, n=500, n_outer=24, n_inner=16, cost 0.05
    ('rps', 0, 0, 1): [
        '0x0.0p+0', '0x1.37c118e932174p-5', '0x1.5368539105a1cp-5', '0x1.5ebd4d1165788p-5', '0x1.284d387695f93p-8',
        '0x1.08a60265d5494p-8', '0x1.2851becf825edp-8'],
    ('rps', 0, 0, 2): [
        '0x0.0p+0', '0x1.ac3ed9645f99cp-3', '0x1.21b2343cb87d2p-2', '0x1.16ac401c7eda9p-2', '0x1.010f46915fdfdp-6',
        '0x1.e24c932dfa181p-6', '0x1.16cec8d8885d3p-5'],
    ('rps', 0, 1, 1): [
        '0x0.0p+0', '0x1.37c118e932174p-5', '0x1.5368539105a1cp-5', '0x1.5ebd4d1165788p-5', '0x1.284d387695f93p-8',
        '0x1.08a60265d5494p-8', '0x1.2851becf825ecp-8'],
    ('rps', 0, 1, 2): [
        '0x0.0p+0', '0x1.ac3ed9645f99cp-3', '0x1.21b2343cb87d3p-2', '0x1.16ac401c7eda9p-2', '0x1.010f46915fdfdp-6',
        '0x1.e24c932dfa181p-6', '0x1.16cec8d8885d3p-5'],
    ('rps', 3, 0, 1): [
        '0x0.0p+0', '0x1.55f61233a68e4p-5', '0x1.65331e6774d4ep-5', '0x1.485d986ca18eap-5', '0x1.7ddfb4d187828p-8',
        '0x1.a59152ccee673p-8', '0x1.1f78b542f3cacp-8'],
    ('rps', 3, 0, 2): [
        '0x0.0p+0', '0x1.daf02b0615d1ap-3', '0x1.980eb655f865cp-3', '0x1.cc4a82a80f934p-3', '0x1.00ac9ed8417d5p-4',
        '0x1.4c36861d27180p-5', '0x1.3ee4d14c9e738p-5'],
    ('rps', 3, 1, 1): [
        '0x0.0p+0', '0x1.55f61233a68e4p-5', '0x1.65331e6774d4cp-5', '0x1.485d986ca18eap-5', '0x1.7ddfb4d187828p-8',
        '0x1.a59152ccee673p-8', '0x1.1f78b542f3cacp-8'],
    ('rps', 3, 1, 2): [
        '0x0.0p+0', '0x1.daf02b0615d1ap-3', '0x1.980eb655f865cp-3', '0x1.cc4a82a80f934p-3', '0x1.00ac9ed8417d5p-4',
        '0x1.4c36861d27180p-5', '0x1.3ee4d14c9e738p-5'],
    ('mp', 0, 0, 1): [
        '0x0.0p+0', '0x1.775d842178d01p-4', '0x1.7c7b529818ef9p-4', '0x1.5507325ae7ac1p-8', '0x1.607df76f47576p-8'],
    ('mp', 0, 0, 2): [
        '0x0.0p+0', '0x1.2bb830fb7f814p-2', '0x1.24254836a07cap-2', '0x1.bdaa82a893255p-6', '0x1.07ab96d0bfcd6p-5'],
    ('mp', 0, 1, 1): [
        '0x0.0p+0', '0x1.7c7b529818ef9p-4', '0x1.775d842178d01p-4', '0x1.607df76f47576p-8', '0x1.5507325ae7ac1p-8'],
    ('mp', 0, 1, 2): [
        '0x0.0p+0', '0x1.24254836a07cap-2', '0x1.2bb830fb7f812p-2', '0x1.07ab96d0bfcd6p-5', '0x1.bdaa82a893255p-6'],
    ('mp', 3, 0, 1): [
        '0x0.0p+0', '0x1.9bd3719d2c965p-4', '0x1.9eda4edca05b7p-4', '0x1.66c09a8fda2a5p-8', '0x1.7094bd18b084fp-8'],
    ('mp', 3, 0, 2): [
        '0x0.0p+0', '0x1.d198608fc1ef0p-3', '0x1.68882bd529d22p-3', '0x1.4a6af1b8d6fc9p-5', '0x1.b973cd37c3d7bp-6'],
    ('mp', 3, 1, 1): [
        '0x0.0p+0', '0x1.9eda4edca05b9p-4', '0x1.9bd3719d2c965p-4', '0x1.7094bd18b084fp-8', '0x1.66c09a8fda2a5p-8'],
    ('mp', 3, 1, 2): [
        '0x0.0p+0', '0x1.68882bd529d22p-3', '0x1.d198608fc1ef0p-3', '0x1.b973cd37c3d7bp-6', '0x1.4a6af1b8d6fc9p-5'],
}


@pytest.mark.parametrize("key", sorted(RECORDED))
def test_lookahead_matches_recorded_values(key: tuple[str, int, int, int]) -> None:
    name, seed, player, budget = key
    game = rock_paper_scissors() if name == "rps" else matching_pennies()
    la = lookahead(game.R1, game.R2, player, PerturbationModel(1.0, 1.0, 0.0), cost=0.05, budget=budget, n=500,
                   n_outer=24, n_inner=16, seed=seed, selection="all" if seed == 0 else "max_welfare")
    got = [float(la.stop).hex()] + [float(v).hex() for v in la.q_values] + [float(v).hex() for v in la.stderr]
    assert got == RECORDED[key]
