"""Entropic Gromov-Wasserstein: agreement with POT, stability at any scale, invariances."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
ot = pytest.importorskip("ot")

from livedual.errors import ParameterError  # noqa: E402
from livedual.train import gw  # noqa: E402

EPSILON = 0.2


def _embeddings(n: int, d: int, *, seed: int, scale: float = 0.3) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=generator, dtype=torch.float64) * scale


def _pot_gw(c1: torch.Tensor, c2: torch.Tensor, **kwargs) -> torch.Tensor:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # POT warns when Sinkhorn stops at numItermax
        return ot.gromov.entropic_gromov_wasserstein2(
            c1, c2, loss_fun="square_loss", epsilon=EPSILON, **kwargs
        )


@pytest.mark.parametrize(("n", "m"), [(8, 8), (16, 16), (10, 13)])
def test_value_equals_pot_at_the_paper_iterations(n: int, m: int) -> None:
    # Same algorithm and iteration counts (POT never stops early with zero thresholds),
    # each Sinkhorn started afresh as POT does.
    c1 = gw.distance_matrix(_embeddings(n, 5, seed=n))
    c2 = gw.distance_matrix(_embeddings(m, 7, seed=m + 100))
    ours = gw.entropic_gw(
        c1, c2, epsilon=EPSILON, outer_iters=20, sinkhorn_iters=30, warm_start=False
    )
    pot = _pot_gw(c1, c2, max_iter=20, tol=0.0, numItermax=30, stopThr=0.0)
    assert float(ours) == pytest.approx(float(pot), rel=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_converged_value_equals_pot(seed: int) -> None:
    # Small costs (distances ~1), where POT's Sinkhorn converges in float64.
    c1 = gw.distance_matrix(_embeddings(10, 4, seed=seed))
    c2 = gw.distance_matrix(_embeddings(12, 6, seed=seed + 50))
    pot = _pot_gw(c1, c2, max_iter=500, tol=1e-11, numItermax=5000, stopThr=1e-12)
    ours = gw.entropic_gw(
        c1, c2, epsilon=EPSILON, outer_iters=100, sinkhorn_iters=50
    )  # warm started
    assert float(ours) == pytest.approx(float(pot), rel=1e-4)


def _entropic_objective(c1: torch.Tensor, c2: torch.Tensor) -> float:
    """min over plans of GW - epsilon * entropy, at convergence."""
    plan = gw.entropic_gw_plan(
        c1, c2, epsilon=EPSILON, outer_iters=200, sinkhorn_iters=100
    )
    return float(gw.gw_objective(c1, c2, plan) + EPSILON * (plan * plan.log()).sum())


def test_gradient_is_that_of_the_entropic_objective() -> None:
    # Envelope theorem: the fixed-plan gradient is the derivative of min_T (GW - eps H).
    c1 = gw.scale_costs(
        gw.distance_matrix(_embeddings(8, 4, seed=20)), mode="std"
    ).requires_grad_()
    c2 = gw.scale_costs(gw.distance_matrix(_embeddings(8, 5, seed=21)), mode="std")
    gw.entropic_gw(
        c1, c2, epsilon=EPSILON, outer_iters=200, sinkhorn_iters=100
    ).backward()
    direction = gw.distance_matrix(
        _embeddings(8, 3, seed=22)
    )  # symmetric, zero diagonal
    step = 1e-5
    plus = _entropic_objective(c1.detach() + step * direction, c2)
    minus = _entropic_objective(c1.detach() - step * direction, c2)
    numeric = (plus - minus) / (2 * step)
    assert float((c1.grad * direction).sum()) == pytest.approx(numeric, rel=1e-3)


def test_batched_equals_one_by_one() -> None:
    x = torch.stack([_embeddings(9, 4, seed=s) for s in range(3)])  # (3, 9, 4)
    y = torch.stack([_embeddings(9, 3, seed=s + 10) for s in range(3)])
    batched = gw.gw_embedding_loss(x, y)
    single = torch.stack([gw.gw_embedding_loss(x[i], y[i]) for i in range(3)])
    assert batched.shape == (3,)
    torch.testing.assert_close(batched, single)


@pytest.mark.parametrize("cost_scale", gw.COST_SCALES)
@pytest.mark.parametrize("scale", [1e-3, 1e-1, 1.0, 1e1, 1e3])
def test_gradient_is_finite_at_any_scale(cost_scale: str, scale: float) -> None:
    generator = torch.Generator().manual_seed(3)
    x = (torch.randn(16, 256, generator=generator) * scale).requires_grad_()
    y = (torch.randn(16, 128, generator=generator) * scale).requires_grad_()
    loss = gw.gw_embedding_loss(x, y, options=gw.GWOptions(cost_scale=cost_scale))
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()
    assert x.grad.abs().sum() > 0  # not the silent zero of an underflowed kernel


def test_warm_start_meets_both_marginals_at_the_paper_iterations() -> None:
    c1 = gw.scale_costs(gw.distance_matrix(_embeddings(16, 64, seed=40)), mode="std")
    c2 = gw.scale_costs(gw.distance_matrix(_embeddings(16, 32, seed=41)), mode="std")
    uniform = torch.full((16,), 1 / 16, dtype=torch.float64)
    plan = gw.entropic_gw_plan(
        c1, c2, epsilon=EPSILON, outer_iters=20, sinkhorn_iters=30
    )
    torch.testing.assert_close(plan.sum(-2), uniform, rtol=1e-3, atol=0.0)
    cold = gw.entropic_gw_plan(
        c1, c2, epsilon=EPSILON, outer_iters=20, sinkhorn_iters=30, warm_start=False
    )
    assert (cold.sum(-2) - uniform).abs().max() > 1e-2  # why warm start is the default


def test_plan_keeps_its_marginals_for_raw_large_costs() -> None:
    # Raw L1 distances of 256-d embeddings are ~300: POT's kernel underflows there.
    generator = torch.Generator().manual_seed(4)
    c1 = gw.distance_matrix(torch.randn(16, 256, generator=generator))
    c2 = gw.distance_matrix(torch.randn(16, 256, generator=generator))
    plan = gw.entropic_gw_plan(
        c1, c2, epsilon=EPSILON, outer_iters=20, sinkhorn_iters=30
    )
    assert torch.isfinite(plan).all()
    torch.testing.assert_close(
        plan.sum(-1), torch.full((16,), 1 / 16, dtype=plan.dtype)
    )  # exact after the last update
    assert plan.max() > 0.5 / 16  # the plan matches, it is not uniform
    assert gw.entropic_gw(c1, c2) > 0


@pytest.mark.parametrize("cost_scale", ["std", "mean", "max"])
def test_scaled_costs_make_the_loss_scale_free(cost_scale: str) -> None:
    x, y = _embeddings(12, 8, seed=5), _embeddings(12, 6, seed=6)
    options = gw.GWOptions(cost_scale=cost_scale)
    base = gw.gw_embedding_loss(x, y, options=options)
    torch.testing.assert_close(
        gw.gw_embedding_loss(1e3 * x, 1e-2 * y, options=options), base
    )


def test_std_scaling_finds_the_pairing_of_related_embeddings() -> None:
    # Music and dance embeddings as different images of one latent: GW should pair them.
    generator = torch.Generator().manual_seed(30)
    latent = torch.randn(16, 8, generator=generator, dtype=torch.float64)
    x = torch.tanh(
        latent @ torch.randn(8, 512, generator=generator, dtype=torch.float64) / 8**0.5
    )
    y = torch.tanh(
        latent @ torch.randn(8, 256, generator=generator, dtype=torch.float64) / 8**0.5
    )
    costs = [gw.scale_costs(gw.distance_matrix(e), mode="std") for e in (x, y)]
    plan = gw.entropic_gw_plan(
        *costs, epsilon=EPSILON, outer_iters=20, sinkhorn_iters=30
    )
    assert plan.diagonal().sum() > 0.8


@pytest.mark.parametrize("metric", gw.METRICS)
def test_invariant_to_permuting_one_batch(metric: str) -> None:
    x, y = _embeddings(14, 6, seed=7), _embeddings(14, 5, seed=8)
    options = gw.GWOptions(metric=metric)
    perm = torch.randperm(14, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(
        gw.gw_embedding_loss(x, y[perm], options=options),
        gw.gw_embedding_loss(x, y, options=options),
    )


def _signed_permutation(d: int, *, seed: int) -> torch.Tensor:
    """An isometry of L1: permute coordinates and flip some signs (a d-dim 'right-angle rotation')."""
    generator = torch.Generator().manual_seed(seed)
    signs = torch.randint(0, 2, (d,), generator=generator).double() * 2 - 1
    return (
        torch.eye(d, dtype=torch.float64)[torch.randperm(d, generator=generator)]
        * signs
    )


def _rotation(d: int, *, seed: int) -> torch.Tensor:
    q, _ = torch.linalg.qr(
        torch.randn(
            d, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
        )
    )
    return q


@pytest.mark.parametrize(
    ("metric", "isometry"), [("l1", _signed_permutation), ("l2", _rotation)]
)
def test_invariant_to_isometries_of_each_space(metric: str, isometry) -> None:
    x, y = _embeddings(12, 6, seed=9), _embeddings(12, 4, seed=10)
    options = gw.GWOptions(metric=metric, cost_scale="none")
    moved_x = x @ isometry(6, seed=1).T + 5.0  # rotate, then translate
    moved_y = y @ isometry(4, seed=2).T - torch.tensor(
        [1.0, 2.0, 3.0, 4.0], dtype=torch.float64
    )
    torch.testing.assert_close(
        gw.gw_embedding_loss(moved_x, moved_y, options=options),
        gw.gw_embedding_loss(x, y, options=options),
    )


def test_l1_is_not_invariant_to_a_general_rotation() -> None:
    # Documents why the L1 isometry test uses signed permutations.
    x = _embeddings(12, 6, seed=11)
    c = gw.distance_matrix(x, metric="l1")
    rotated = gw.distance_matrix(x @ _rotation(6, seed=3).T, metric="l1")
    assert not torch.allclose(c, rotated)


def test_identical_geometries_cost_less_than_unrelated_ones() -> None:
    x = _embeddings(12, 6, seed=12)
    unrelated = _embeddings(12, 6, seed=13)
    assert gw.gw_embedding_loss(x, x) < 0.2 * gw.gw_embedding_loss(x, unrelated)


def test_options_are_validated() -> None:
    with pytest.raises(ParameterError):
        gw.GWOptions(cost_scale="median")
    with pytest.raises(ParameterError):
        gw.GWOptions(metric="cosine")
    with pytest.raises(ParameterError):
        gw.GWOptions(epsilon=0.0)
    with pytest.raises(ParameterError):
        gw.gw_embedding_loss(torch.zeros(2, 4), torch.zeros(2, 4))
