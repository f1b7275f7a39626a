"""Flow-warped Gaussian noise for noise-warping video models (Go-with-the-Flow style).

Each frame's noise is exactly i.i.d. standard normal over its pixels (unit variance, no
correlation inside the frame), and the noise of a surface point travels with it along the exact
flow, so the initial noise of a video diffusion model moves like the scene.

How one frame is made from the previous one (``t`` from ``p``): each noise value is a particle
with a sub-pixel position; the particles move with the exact flow and each pixel of ``t`` takes
the particle that lands in it (:class:`NoiseWarper`).  Pixels that are occluded in ``p``, land
off-screen or on another object start from fresh noise.  When ``k`` pixels of ``t`` share one
particle of ``p`` (the surface got closer: it is spread over more pixels), they
get ``n / sqrt(k) + e_i - mean(e)`` with fresh ``e ~ N(0, 1)``: each is still N(0, 1), they are
uncorrelated with each other, and their sum is ``sqrt(k) * n`` — the conditional sampling of
"How I Warped Your Noise" (Chang et al. 2024), whose real-time form Go-with-the-Flow (Burgert
et al. 2025) trains on.  A pixel of ``p`` that no pixel of ``t`` comes from is dropped.

At latent resolution (``downscale = 8`` for most VAEs) the pixel grid is the latent grid: latent
pixel ``(J, I)`` follows the flow of the full-resolution pixel at its centre.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ..errors import ArgumentError
from .flow import flow_between
from .source import RenderFrames, frames_of


def carry_noise(prev: np.ndarray, source: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Noise of the next frame from ``prev`` and where each of its pixels came from.

    Parameters
    ----------
    prev : (C, M) float, the previous frame's noise (i.i.d. N(0, 1)), pixels flattened
    source : (M,) int, for each pixel of the new frame the flattened index of the pixel of
        ``prev`` it came from, or -1 for fresh noise
    rng : numpy Generator

    Returns
    -------
    (C, M) float32, i.i.d. N(0, 1) over pixels, equal to ``prev[:, source]`` where a source
    pixel is used once.
    """
    c, m = prev.shape
    eps = rng.standard_normal((c, source.shape[0]), dtype=np.float32)
    carried = source >= 0
    q = source[carried]
    if q.size == 0:
        return eps
    k = np.bincount(q, minlength=m)[q].astype(np.float32)
    out = eps
    for ch in range(c):
        e = eps[ch, carried]
        group_mean = np.bincount(q, weights=e, minlength=m)[q].astype(np.float32) / k
        # a particle used once keeps its exact value (the formula would add rounding noise)
        out[ch, carried] = np.where(k == 1, prev[ch, q], prev[ch, q] / np.sqrt(k) + e - group_mean)
    return out


class NoiseWarper:
    """Carries noise from frame to frame given where each pixel came from.

    Every noise value is a particle with a sub-pixel position inside its pixel, so slow motion
    (a fraction of a pixel per frame) accumulates instead of being rounded away.  A pixel takes
    the particle of the previous frame that lands in it (of the 3x3 pixels around where it came
    from, the one landing nearest its centre); a visible pixel that no particle lands in shares
    the particle of the pixel it came from (the conditional split of :func:`carry_noise`); a
    pixel that is not visible in the previous frame starts from fresh noise.

    Parameters
    ----------
    channels, height, width : int
    rng : numpy Generator
    """

    def __init__(self, channels: int, height: int, width: int, rng: np.random.Generator):
        self.c, self.h, self.w, self.rng = channels, height, width, rng
        self.noise = rng.standard_normal((channels, height * width), dtype=np.float32)
        self.offset = np.zeros((height, width, 2), dtype=np.float32)  # particle - pixel centre

    def step(self, source_xy: np.ndarray, visible: np.ndarray) -> np.ndarray:
        """Advance one frame.

        Parameters
        ----------
        source_xy : (h, w, 2) float, continuous position ``[x, y]`` in the previous frame (pixel
            units, centres at +0.5) that the centre of each pixel came from
        visible : (h, w) bool, the pixel's surface point is visible in the previous frame

        Returns
        -------
        (C, h, w) float32 noise of the new frame
        """
        h, w = self.h, self.w
        centre = np.stack(np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5), axis=-1).astype(np.float32)
        shift = centre - source_xy  # how the neighbourhood moved, previous -> new frame
        base = np.floor(source_xy).astype(np.intp)
        best = np.full((h, w), np.inf, dtype=np.float32)
        claim = np.full((h, w), -1, dtype=np.intp)
        new_offset = np.zeros_like(self.offset)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                qx, qy = base[..., 0] + dx, base[..., 1] + dy
                inside = (qx >= 0) & (qx < w) & (qy >= 0) & (qy < h)
                qxc, qyc = np.clip(qx, 0, w - 1), np.clip(qy, 0, h - 1)
                # where the particle of pixel q lands in the new frame, relative to this centre
                rel = np.stack([qxc + 0.5, qyc + 0.5], axis=-1) + self.offset[qyc, qxc] + shift - centre
                lands = inside & visible & ((rel >= -0.5) & (rel < 0.5)).all(axis=-1)  # cell [-.5, .5)
                dist = np.where(lands, (rel * rel).sum(axis=-1), np.inf)
                better = dist < best
                best = np.where(better, dist, best)
                claim = np.where(better, qyc * w + qxc, claim)
                new_offset[better] = rel[better]
        nearest = np.clip(base[..., 1], 0, h - 1) * w + np.clip(base[..., 0], 0, w - 1)
        inside = (base[..., 0] >= 0) & (base[..., 0] < w) & (base[..., 1] >= 0) & (base[..., 1] < h)
        source = np.where(claim >= 0, claim, np.where(visible & inside, nearest, -1)).ravel()
        owner = (claim >= 0).ravel()
        # a particle shared by several pixels is split (carry_noise); only its claimant keeps
        # the sub-pixel position, the others restart at their centres
        self.noise = carry_noise(self.noise, source, self.rng)
        self.offset = np.where(owner.reshape(h, w)[..., None], new_offset, 0).astype(np.float32)
        return self.noise.reshape(self.c, h, w)


def _source_positions(frames: RenderFrames, t: int, p: int, downscale: int, h: int, w: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Where each (latent) pixel centre of frame ``t`` came from in frame ``p`` (noise-pixel
    units) and whether it is visible there (not occluded, and on the same object)."""
    res = flow_between(frames, t, p)
    seg = frames.array("segmentation")
    seg_t, seg_p = np.asarray(seg[t]), np.asarray(seg[p])
    f = downscale
    py = (np.arange(h) * f + f // 2)[:, None].repeat(w, 1)
    px = (np.arange(w) * f + f // 2)[None, :].repeat(h, 0)
    x = px + 0.5 + res.flow[py, px, 0]  # landing point, continuous full-resolution pixels
    y = py + 0.5 + res.flow[py, px, 1]
    fx = np.clip(np.floor(x).astype(np.intp), 0, frames.width - 1)
    fy = np.clip(np.floor(y).astype(np.intp), 0, frames.height - 1)
    visible = ~res.occluded[py, px] & (seg_p[fy, fx] == seg_t[py, px])
    # in noise-pixel units, measured so that pixel centres map to centres at any downscale
    sx = (x - (px + 0.5)) / f + np.arange(w)[None, :] + 0.5
    sy = (y - (py + 0.5)) / f + np.arange(h)[:, None] + 0.5
    return np.stack([sx, sy], axis=-1).astype(np.float32), visible


def warped_noise(render, *, camera: str | None = None, channels: int = 4, downscale: int = 1,
                 seed: int = 0, frames: Sequence[int] | None = None) -> Iterator[np.ndarray]:
    """Flow-warped noise, one frame at a time.

    Parameters
    ----------
    render : render folder path, RenderOutput or RenderFrames (needs ``depth`` and
        ``segmentation``)
    camera : camera name (default: the first)
    channels : noise channels (the model's latent channels, e.g. 4 or 16)
    downscale : pixels per noise pixel (1 = image resolution, 8 = a VAE's latent resolution);
        the noise is ``(H // downscale, W // downscale)``
    seed : the noise is a function of the render and the seed only
    frames : frame indices to make noise for, in order (default: every frame); consecutive
        entries are connected by the exact flow between them, so ``range(0, T, 4)`` suits a
        model that compresses time by 4

    Yields
    ------
    (channels, H // downscale, W // downscale) float32, i.i.d. N(0, 1) within the frame
    """
    fr = frames_of(render, camera)
    fr.require(["depth", "segmentation"], "flow-warped noise")
    if int(downscale) < 1 or int(channels) < 1:
        raise ArgumentError(f"downscale and channels must be >= 1, got {downscale}, {channels}")
    downscale = int(downscale)
    h, w = fr.height // downscale, fr.width // downscale
    if h < 1 or w < 1:
        raise ArgumentError(f"downscale {downscale} is larger than the {fr.width}x{fr.height} image")
    order = list(range(fr.num_frames)) if frames is None else [int(i) for i in frames]
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    warper = NoiseWarper(int(channels), h, w, rng)
    last = None
    for t in order:
        if last is None:
            yield warper.noise.reshape(int(channels), h, w).copy()
        else:
            yield warper.step(*_source_positions(fr, t, last, downscale, h, w)).copy()
        last = t


def warped_noise_array(render, **kwargs) -> np.ndarray:
    """All of :func:`warped_noise` stacked: (T, C, h, w) float32 (for a pipeline's ``latents``;
    diffusers video pipelines take (B, C, T, h, w) or (B, T, C, h, w): transpose as needed)."""
    return np.stack(list(warped_noise(render, **kwargs)))
