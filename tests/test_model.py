"""The generators (presets, shapes, normalisation, diversity, ONNX) and the losses."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from livedual.const import (
    MUSIC_DIM,
    MUSIC_OUT_DIM,
    N_CHORDS,
    N_JOINTS,
    POSE_DIM,
    WINDOW_FRAMES,
)  # noqa: E402
from livedual.errors import ParameterError  # noqa: E402
from livedual.train import losses, model, rotation  # noqa: E402

B = 3


def _tiny(task: str) -> model.EncoderDecoder:
    torch.manual_seed(0)
    return model.build_generator(model.preset("tiny", task)).eval()


def _inputs(
    g: model.EncoderDecoder, batch: int = B, *, seed: int = 0
) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, WINDOW_FRAMES, g.args.in_dim, generator=generator)
    if g.args.task == "music2dance":
        start = torch.randn(batch, POSE_DIM, generator=generator)
    else:
        start = torch.randint(N_CHORDS, (batch,), generator=generator)
    return x, start, g.sample_seed(batch, generator=generator)


def _random_rotations(n: int, *, seed: int) -> torch.Tensor:
    q, r = torch.linalg.qr(
        torch.randn(
            n, 3, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64
        )
    )
    q = q * torch.sign(torch.diagonal(r, dim1=-2, dim2=-1))[:, None, :]
    return q * torch.sign(torch.linalg.det(q))[:, None, None]  # proper rotations


def _axis_angle(axis: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rotation matrices about a unit axis (Rodrigues)."""
    k = torch.zeros(len(angle), 3, 3, dtype=torch.float64)
    k[:, 0, 1], k[:, 0, 2], k[:, 1, 2] = -axis[2], axis[1], -axis[0]
    k = k - k.transpose(1, 2)
    s, c = torch.sin(angle)[:, None, None], torch.cos(angle)[:, None, None]
    return torch.eye(3, dtype=torch.float64) + s * k + (1 - c) * k @ k


# --- presets ----------------------------------------------------------------------------------


def _without_convs(args: model.ModelArgs) -> model.ModelArgs:
    return model.ModelArgs(**(vars(args) | {"conv_layers": 0}))


def test_paper_preset_has_the_paper_sizes() -> None:
    m2d_args = model.preset("paper", "music2dance")
    d2m_args = model.preset("paper", "dance2music")
    m2d = model.build_generator(_without_convs(m2d_args))
    d2m = model.build_generator(_without_convs(d2m_args))
    assert (m2d.args.n_layer, m2d.args.n_head, m2d.args.width) == (6, 8, 512)
    assert (d2m.args.n_layer, d2m.args.n_head, d2m.args.width) == (6, 8, 256)
    assert 43e6 < m2d.num_params() < 46e6  # the paper's ~44 M
    assert 10e6 < d2m.num_params() < 12.5e6
    # The convolutions before the encoder add their kernels, biases and layer norms.
    W, K, L = m2d_args.width, m2d_args.conv_kernel, m2d_args.conv_layers
    with_convs = model.build_generator(m2d_args).num_params()
    assert with_convs - m2d.num_params() == L * (K * W * W + W + 2 * W)


def test_presets_shrink_from_paper_to_tiny() -> None:
    for task in model.GENERATORS:
        sizes = [
            model.build_generator(model.preset(name, task)).num_params()
            for name in ("paper", "small", "tiny")
        ]
        assert sizes == sorted(sizes, reverse=True)
        assert sizes[-1] < 400_000


@pytest.mark.parametrize("name", ["small", "tiny"])
def test_output_shapes(name: str) -> None:
    for task, out_dim in (("music2dance", POSE_DIM), ("dance2music", MUSIC_OUT_DIM)):
        g = model.build_generator(model.preset(name, task)).eval()
        out, embedding = g.forward_with_embedding(*_inputs(g))
        assert out.shape == (B, WINDOW_FRAMES, out_dim)
        assert embedding.shape == (B, g.args.width)
        assert g.embed(_inputs(g)[0]).shape == (B, g.args.width)


def test_music_output_is_probabilities() -> None:
    g = _tiny("dance2music")
    out = g(*_inputs(g))
    assert out.min() >= 0 and out.max() <= 1


def test_checkpoint_args_rebuild_the_same_model() -> None:
    g = _tiny("music2dance")
    rebuilt = model.build_generator(dict(vars(g.args)))
    rebuilt.load_state_dict(g.state_dict())
    inputs = _inputs(g)
    torch.testing.assert_close(rebuilt.eval()(*inputs), g(*inputs))


def test_checkpoints_from_before_start_residual_keep_absolute_poses() -> None:
    saved = {k: v for k, v in vars(model.preset("tiny", "music2dance")).items()}
    assert (
        saved.pop("start_residual") is True
    )  # new models write changes from the start
    assert model.ModelArgs.from_dict(saved).start_residual is False
    assert model.build_generator(saved).args.start_residual is False


def test_checkpoints_from_before_the_temporal_layers_load_without_them() -> None:
    saved = dict(vars(model.preset("tiny", "music2dance")))
    for name in ("conv_layers", "smooth_basis"):
        assert saved.pop(name) > 0  # new models have both
    old = model.build_generator(saved)
    assert (old.args.conv_layers, old.args.smooth_basis) == (0, 0)
    assert len(old.convs) == 0 and not hasattr(old, "smoother")


@pytest.mark.parametrize("n_basis", [0, 12])
def test_dance_output_moves_only_in_its_slow_shapes(n_basis: int) -> None:
    torch.manual_seed(0)
    args = model.preset("tiny", "music2dance")
    g = model.build_generator(
        model.ModelArgs(**(vars(args) | {"smooth_basis": n_basis}))
    )
    x, start, seed = _inputs(g.eval())
    # The normalising statistics are 0 and 1: the change is what the head wrote.
    with torch.no_grad():
        change = g(x, start, seed) - start[:, None]  # (B, T, 147)
    P = model.smooth_projection(WINDOW_FRAMES, 12)
    jitter = float((change - P @ change).abs().max() / change.abs().max())
    if n_basis:
        assert jitter < 1e-5
    else:  # a per-frame head writes fast changes too
        assert jitter > 0.05


@pytest.mark.parametrize("phase", [0.0, 1.0, 2.0])
def test_smooth_projection_keeps_slow_motion_and_removes_jitter(phase: float) -> None:
    P = model.smooth_projection(WINDOW_FRAMES, 20)
    t = torch.arange(WINDOW_FRAMES, dtype=torch.float32) / 25.0  # seconds
    slow = torch.sin(2 * math.pi * 2.0 * t + phase)  # a 2 Hz sway, moving at both ends
    fast = torch.sin(2 * math.pi * 10.0 * t + phase)  # 10 Hz jitter
    torch.testing.assert_close(P @ slow, slow, atol=0.03, rtol=0)
    assert float((P @ fast).norm() / fast.norm()) < 0.25
    torch.testing.assert_close(P @ P, P, atol=1e-5, rtol=0)  # a projection


@pytest.mark.parametrize("dilation", [1, 4])
def test_temporal_conv_sees_only_its_neighbourhood(dilation: int) -> None:
    torch.manual_seed(0)
    conv = model.TemporalConv(8, 5, dilation)
    x = torch.randn(1, WINDOW_FRAMES, 8)
    y = x.clone()
    y[0, 40] += 1.0
    changed = (conv(y) - conv(x)).abs().sum(-1)[0] > 0  # (T,)
    reach = 2 * dilation  # (kernel - 1) / 2 taps of ``dilation`` frames each side
    assert torch.nonzero(changed).flatten().tolist() == list(
        range(40 - reach, 41 + reach, dilation)
    )


@pytest.mark.parametrize("residual", [True, False])
def test_a_silent_head_continues_the_start_pose_only_with_start_residual(
    residual: bool,
) -> None:
    torch.manual_seed(0)
    args = model.preset("tiny", "music2dance")
    g = model.build_generator(
        model.ModelArgs(**(vars(args) | {"start_residual": residual}))
    )
    torch.nn.init.zeros_(g.head.weight)
    torch.nn.init.zeros_(g.head.bias)
    x, start, seed = _inputs(g.eval())
    out = g(x, start, seed)
    if residual:  # every frame is the start pose plus nothing
        torch.testing.assert_close(out, start[:, None].expand_as(out))
    else:  # every frame is the training mean pose (identity statistics: zeros)
        torch.testing.assert_close(out, torch.zeros_like(out))


def test_wrong_arguments_are_refused() -> None:
    tiny = vars(model.preset("tiny", "music2dance"))
    for wrong in ({"conv_kernel": 4}, {"conv_layers": -1}, {"smooth_basis": 76}):
        with pytest.raises(ParameterError):
            model.build_generator(model.ModelArgs(**(tiny | wrong)))
    with pytest.raises(ParameterError):
        model.MusicToDance(model.preset("tiny", "dance2music"))
    with pytest.raises(ParameterError):
        model.build_generator({"task": "music2dance", "width": 30, "n_head": 4})
    with pytest.raises(ParameterError):
        model.build_generator({"task": "dance2dance"})


# --- normalisation, conditioning, diversity -------------------------------------------------------


def test_raw_inputs_are_normalised_inside_the_model() -> None:
    raw = _tiny("music2dance")
    plain = _tiny("music2dance")  # same weights, identity statistics
    rng = np.random.default_rng(0)
    stats = {
        "music_mean": rng.normal(size=MUSIC_DIM),
        "music_std": rng.uniform(0.5, 3, MUSIC_DIM),
        "pose_mean": rng.normal(size=POSE_DIM),
        "pose_std": rng.uniform(0.1, 2, POSE_DIM),
    }
    raw.set_stats(**stats)
    music, start, seed = _inputs(raw)
    t = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in stats.items()}
    expected = plain(
        (music - t["music_mean"]) / t["music_std"],
        (start - t["pose_mean"]) / t["pose_std"],
        seed,
    )
    torch.testing.assert_close(
        raw(music, start, seed),
        expected * t["pose_std"] + t["pose_mean"],
        rtol=1e-5,
        atol=1e-5,
    )
    assert torch.equal(
        raw.state_dict()["in_norm.std"], t["music_std"]
    )  # statistics travel with the weights


@pytest.mark.parametrize("task", list(model.GENERATORS))
def test_seed_start_and_input_all_change_the_output(task: str) -> None:
    g = _tiny(task)
    x, start, seed = _inputs(g)
    x2, start2, seed2 = _inputs(g, seed=1)
    out = g(x, start, seed)
    torch.testing.assert_close(g(x, start, seed), out)  # deterministic in eval mode
    for changed in (g(x, start, seed2), g(x, start2, seed), g(x2, start, seed)):
        assert (changed - out).abs().max() > 1e-4


def test_windows_of_a_batch_do_not_mix() -> None:
    g = _tiny("music2dance")
    x, start, seed = _inputs(g)
    batched = g(x, start, seed)
    torch.testing.assert_close(
        g(x[1:2], start[1:2], seed[1:2]), batched[1:2], rtol=1e-5, atol=1e-5
    )


def test_samplers_give_valid_start_tokens() -> None:
    d2m = _tiny("dance2music")
    chords = d2m.sample_start(100, generator=torch.Generator().manual_seed(0))
    assert chords.min() >= 0 and chords.max() < N_CHORDS and len(chords.unique()) > 10
    pool = torch.randn(7, POSE_DIM)
    starts = _tiny("music2dance").sample_start(pool, 5)
    assert all(any(torch.equal(s, p) for p in pool) for s in starts)


# --- 6D rotations ----------------------------------------------------------------------------------


def test_generated_6d_becomes_orthonormal_rotations() -> None:
    g = _tiny("music2dance")
    pose = rotation.normalise_pose(g(*_inputs(g)))
    _, rot6d = rotation.split_pose(pose)
    matrices = rotation.rot6d_to_matrix(rot6d)  # (B, T, 24, 3, 3)
    assert matrices.shape == (B, WINDOW_FRAMES, N_JOINTS, 3, 3)
    eye = torch.eye(3).expand_as(matrices)
    torch.testing.assert_close(
        matrices.transpose(-1, -2) @ matrices, eye, atol=1e-5, rtol=0
    )
    torch.testing.assert_close(
        torch.linalg.det(matrices), torch.ones(matrices.shape[:-2]), atol=1e-5, rtol=0
    )
    torch.testing.assert_close(
        rotation.normalise_pose(pose), pose, atol=1e-5, rtol=0
    )  # idempotent


def test_6d_round_trip_and_layout() -> None:
    r = _random_rotations(50, seed=1)
    six = rotation.matrix_to_rot6d(r)
    torch.testing.assert_close(six[:, :3], r[:, :, 0])  # first column, then second
    torch.testing.assert_close(rotation.rot6d_to_matrix(six), r)
    torch.testing.assert_close(
        rotation.rot6d_to_matrix(3.0 * six), r
    )  # length does not matter


@pytest.mark.parametrize("angle", [1e-3, 0.5, 2.0, math.pi - 1e-3])
def test_geodesic_is_the_squared_angle(angle: float) -> None:
    base = _random_rotations(8, seed=2)
    turn = _axis_angle(
        torch.tensor([0.48, 0.6, 0.64], dtype=torch.float64),
        torch.full((8,), angle, dtype=torch.float64),
    )
    torch.testing.assert_close(
        rotation.geodesic_sq(base, base @ turn),
        torch.full((8,), angle**2, dtype=torch.float64),
    )


def test_geodesic_gradient_is_finite_at_zero_and_pi() -> None:
    r = _random_rotations(4, seed=3)
    for other in (
        r,
        r
        @ _axis_angle(
            torch.tensor([1.0, 0, 0], dtype=torch.float64),
            torch.full((4,), math.pi, dtype=torch.float64),
        ),
    ):
        six = rotation.matrix_to_rot6d(r).requires_grad_()
        rotation.geodesic_sq(rotation.rot6d_to_matrix(six), other).sum().backward()
        assert torch.isfinite(six.grad).all()


# --- losses -------------------------------------------------------------------------------------


def _poses(batch: int, *, seed: int) -> torch.Tensor:
    transl = torch.randn(
        batch,
        WINDOW_FRAMES,
        3,
        generator=torch.Generator().manual_seed(seed),
        dtype=torch.float64,
    )
    rot = rotation.matrix_to_rot6d(
        _random_rotations(batch * WINDOW_FRAMES * N_JOINTS, seed=seed)
    )
    return torch.cat([transl, rot.reshape(batch, WINDOW_FRAMES, -1)], dim=-1)


def test_dance_loss_terms() -> None:
    pose = _poses(2, seed=4)
    assert float(losses.dance_loss(pose, pose)) == pytest.approx(0.0, abs=1e-9)
    shifted = pose.clone()
    shifted[..., :3] += torch.tensor(
        [0.1, -0.2, 0.3], dtype=torch.float64
    )  # 0.6 m of L1 per frame
    parts = losses.dance_loss_parts(shifted, pose)
    assert float(parts["transl"]) == pytest.approx(0.6)
    assert float(parts["rotation"]) == pytest.approx(0.0, abs=1e-9)
    turned = pose.clone()
    _, rot6d = rotation.split_pose(pose)
    turn = _axis_angle(
        torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64),
        torch.full((1,), 0.3, dtype=torch.float64),
    )[0]
    turned[..., 3:] = rotation.matrix_to_rot6d(
        rotation.rot6d_to_matrix(rot6d) @ turn
    ).flatten(-2)
    assert float(losses.dance_loss(turned, pose)) == pytest.approx(
        0.09
    )  # 0.3 rad on every joint


def test_music_loss_terms() -> None:
    music = torch.zeros(2, WINDOW_FRAMES, MUSIC_DIM)
    music[..., 40:52] = 0.5  # chroma
    music[:, ::10, 52] = 1.0  # beats
    target = losses.music_targets(music)
    assert target.shape == (2, WINDOW_FRAMES, MUSIC_OUT_DIM)
    assert float(losses.music_loss(target, target)) == 0.0
    parts = losses.music_loss_parts(torch.zeros_like(target), target, beat="l1")
    assert float(parts["chroma"]) == pytest.approx(0.5)
    assert float(parts["beat"]) == pytest.approx(8 / WINDOW_FRAMES)


@pytest.mark.parametrize("every", [4, 12, 25])
def test_balanced_beat_loss_does_not_reward_predicting_no_beats(every: int) -> None:
    flags = torch.zeros(3, WINDOW_FRAMES)
    flags[:, ::every] = 1.0
    silent = losses.beat_loss(torch.zeros_like(flags), flags, "balanced")
    assert float(silent) == pytest.approx(0.5)  # whatever the tempo
    assert float(losses.beat_loss(flags, flags, "balanced")) == 0.0
    # The plain L1 makes "no beat" nearly free at sparse tempos: the collapse it causes.
    assert float(losses.beat_loss(torch.zeros_like(flags), flags, "l1")) < 0.26
    # Balanced: flagging the beats and one neighbour each beats predicting silence.
    smeared = flags + torch.roll(flags, 1, dims=1)
    assert float(losses.beat_loss(smeared, flags, "balanced")) < float(silent)
    with pytest.raises(ValueError, match="unknown beat loss"):
        losses.beat_loss(flags, flags, "bce")


# --- export -------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::FutureWarning")  # raised inside torch.onnx
@pytest.mark.parametrize("task", list(model.GENERATORS))
def test_exports_to_onnx_and_matches(task: str, tmp_path) -> None:
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    g = _tiny(task)
    inputs = _inputs(g, batch=1)
    path = tmp_path / f"{task}.onnx"
    torch.onnx.export(
        g,
        inputs,
        str(path),
        input_names=["x", "start", "seed"],
        output_names=["out"],
        dynamo=True,
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(
        None,
        {"x": inputs[0].numpy(), "start": inputs[1].numpy(), "seed": inputs[2].numpy()},
    )
    np.testing.assert_allclose(out, g(*inputs).detach().numpy(), rtol=1e-4, atol=1e-5)
