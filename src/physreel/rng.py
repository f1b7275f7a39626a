"""Random streams: every random choice of physreel draws from a generator derived from the
scene seed and a stable, named key.

    rng = stream(scene.seed, "camera", "main", "shake")
    rng = stream(scene.seed, "object", "glass", "fracture")

Two different keys never share a stream (a camera's shake cannot draw the numbers the track
sampler draws), and a key's stream does not depend on what else the scene contains (adding a
camera does not change how a glass breaks).  No global RNG is ever used.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _word(key: str | int) -> int:
    """A stable 64-bit integer for one key part (the same on every machine and Python run)."""
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError(f"random stream keys are strings or integers, got {key!r}")
    text = f"{type(key).__name__}:{key}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little")


def seed_sequence(seed: int, *key: str | int) -> np.random.SeedSequence:
    """The SeedSequence of stream ``key`` under root ``seed``."""
    return np.random.SeedSequence(int(seed), spawn_key=tuple(_word(k) for k in key))


def stream(seed: int, *key: str | int) -> np.random.Generator:
    """A fresh numpy Generator for stream ``key`` under root ``seed``.

    Parameters
    ----------
    seed : int
        The scene's seed (``scene.seed``).
    *key : str or int
        Names the stream, e.g. ``("tracks",)`` or ``("object", name, "fracture")``.
    """
    return np.random.default_rng(seed_sequence(seed, *key))
