"""Flow-warped noise: unit Gaussian per frame, carried along the exact flow."""

from __future__ import annotations

import numpy as np
import pytest

from physreel.errors import ArgumentError
from physreel.stylization.flow import flow_between
from physreel.stylization.noise import carry_noise, warped_noise, warped_noise_array
from physreel.stylization.source import RenderFrames


def _white(z: np.ndarray) -> None:
    """Assert one frame of noise is zero-mean, unit-variance and spatially uncorrelated."""
    n = z.size
    assert abs(z.mean()) < 4 / np.sqrt(n)
    assert abs(z.std() - 1) < 4 / np.sqrt(2 * n)
    for axis in (1, 2):  # neighbours along x and y are uncorrelated
        a, b = np.swapaxes(z, 0, axis)[:-1].ravel(), np.swapaxes(z, 0, axis)[1:].ravel()
        assert abs(np.corrcoef(a, b)[0, 1]) < 4 / np.sqrt(a.size)


def test_every_frame_is_white_and_noise_follows_the_flow(render_dir):
    fr = RenderFrames(render_dir)
    noise = list(warped_noise(fr, channels=4, seed=5))
    assert len(noise) == fr.num_frames and noise[0].shape == (4, 72, 96)
    for z in noise[::5]:
        _white(z)
    # along the flow the noise keeps its value (where a surface point stays visible): each
    # value of frame t is one of the 3x3 values around where the pixel came from in t - 1
    t = 15
    res = flow_between(fr, t, t - 1)
    x = np.floor(np.arange(96) + 0.5 + res.flow[..., 0]).astype(int)
    y = np.floor(np.arange(72)[:, None] + 0.5 + res.flow[..., 1]).astype(int)
    ok = ~res.occluded & (x >= 1) & (x < 95) & (y >= 1) & (y < 71)
    found = np.zeros(ok.sum(), bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            found |= np.isclose(noise[t][0, ok], noise[t - 1][0, y[ok] + dy, x[ok] + dx])
    assert found.mean() > 0.75  # the rest: pixels sharing a particle where the ground spreads out
    # the moving ball carries its noise: the ball's pixels at t hold values from t - 1
    ball = ok & (np.asarray(fr.array("segmentation")[t]) == 2)
    assert ball.sum() > 20
    # (fresh noise would give 0; a 10-pixel spinning ball hides and reveals much of its rim)
    assert np.isin(noise[t][0, ball], noise[t - 1][0]).mean() > 0.5


def test_slow_motion_accumulates_instead_of_rounding_away():
    """A uniform drift of 0.25 px per frame moves the noise pattern by 2 px in 8 frames."""
    from physreel.stylization.noise import NoiseWarper

    h, w = 20, 40
    warper = NoiseWarper(1, h, w, np.random.default_rng(0))
    first = warper.noise.reshape(1, h, w).copy()
    centre = np.stack(np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5), axis=-1).astype(np.float32)
    source = centre - np.array([0.25, 0.0], np.float32)  # everything moves right
    for _ in range(8):
        z = warper.step(source, np.ones((h, w), bool))
    assert np.array_equal(z[0, :, 4:], first[0, :, 2:-2])
    _white(z)


def test_latent_resolution_and_frame_subsets(render_dir):
    z = warped_noise_array(render_dir, channels=16, downscale=4, seed=1, frames=range(0, 24, 4))
    assert z.shape == (6, 16, 18, 24) and z.dtype == np.float32
    for f in z:
        _white(f)
    # consecutive entries share most values: the scene moves little in 4 frames at 1/4 resolution
    share = np.isclose(z[1], z[0]).mean()
    assert share > 0.5


def test_same_seed_same_noise_other_seed_other_noise(render_dir):
    a = warped_noise_array(render_dir, channels=2, downscale=8, seed=3)
    b = warped_noise_array(render_dir, channels=2, downscale=8, seed=3)
    c = warped_noise_array(render_dir, channels=2, downscale=8, seed=4)
    assert (a == b).all() and not np.isclose(a, c).all()


def test_carry_noise_splits_a_pixel_into_uncorrelated_unit_gaussians():
    """A source pixel spread over k pixels gives k values that are N(0,1), uncorrelated with
    each other, and sum to sqrt(k) times the source value (many trials)."""
    rng = np.random.default_rng(0)
    trials, k = 20000, 4
    prev = rng.standard_normal((1, trials)).astype(np.float32)
    source = np.repeat(np.arange(trials), k)  # every source pixel feeds k new pixels
    z = carry_noise(prev, source, rng).reshape(trials, k)
    assert abs(z.std() - 1) < 0.02
    c = np.corrcoef(z.T)
    assert np.abs(c[~np.eye(k, dtype=bool)]).max() < 0.03
    assert np.allclose(z.sum(axis=1), np.sqrt(k) * prev[0], atol=1e-4)
    fresh = carry_noise(prev, np.full(100, -1), rng)
    assert fresh.shape == (1, 100)


def test_bad_arguments(render_dir):
    with pytest.raises(ArgumentError, match="downscale"):
        next(warped_noise(render_dir, downscale=0))
    with pytest.raises(ArgumentError, match="larger than"):
        next(warped_noise(render_dir, downscale=200))
