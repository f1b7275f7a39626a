"""Render passes and conditioning controls: one registry of each.

Every pass (``rgb``, ``depth``, ``segmentation``, ``normals``, ``flow_*``, ``occlusion_*``,
``tracks``, ``boxes``) and every control (``depth``, ``normal``, ``edges``, ``canny``, ``seg``,
``tracks``) is one module here that registers one entry (:class:`Pass`, :class:`Control`):
name and aliases, what it needs, how it is computed, stored, described in the manifest and
previewed.  The renderer loop, the camera writer, the reader, the scene schema, the CLI help and
the README tables read the registries; a new pass is a new module that calls
:func:`register_pass`::

    from physreel.passes import Doc, Needs, Pass, register_pass
    from physreel.passes.storage import Npy

    register_pass(Pass(
        name="inverse_depth", compute=lambda frame, state: ...,   # (H, W) float32
        needs=Needs(passes=("depth",)), storage=(Npy("inverse_depth.npy", "float32"),),
        manifest=lambda m: {"file": "inverse_depth.npy", "dtype": "float32", ...},
        doc=Doc("1 / depth"),
    ))

Names: a pass or control may be given by any alias (``normal`` for ``normals``, ``seg`` for
``segmentation`` and the other way round for controls) or as ``all``; unknown names raise
:class:`~physreel.errors.ArgumentError` with "did you mean".
"""

from __future__ import annotations

from collections.abc import Iterable

from .frame import RENDER_OUTPUTS, Clip, Frame
from .registry import (
    ALL,
    CONTROLS,
    PASSES,
    Control,
    Doc,
    ManifestInfo,
    Needs,
    Pass,
    Registry,
    closure,
    register_control,
    register_pass,
)

# The built-in entries; the order of registration is the canonical order of the names.
# isort: off
from . import rgb, depth, segmentation, normals, flow, tracks, boxes, keypoints  # noqa: F401, E402
from . import controls as _builtin_controls  # noqa: F401, E402
# isort: on


def resolve_passes(names: Iterable[str] | str) -> list[str]:
    """Canonical pass names of ``names`` (aliases, ``all``; a string is split at commas), in
    canonical order without repeats; unknown names raise ArgumentError with "did you mean"."""
    return PASSES.resolve(names)


def resolve_controls(names: Iterable[str] | str) -> list[str]:
    """Canonical control names, as :func:`resolve_passes` does for passes."""
    return CONTROLS.resolve(names)


def resolve_outputs(passes: Iterable[str] | str, controls: Iterable[str] | str = ()) -> tuple[list[str], list[str]]:
    """``(passes, controls)`` in canonical form; the passes include those the controls are made
    from (they are rendered and written too)."""
    controls = resolve_controls(controls)
    wanted = resolve_passes(passes) + [n for c in controls for n in CONTROLS[c].needs]
    return resolve_passes(wanted), controls


__all__ = [
    "ALL", "CONTROLS", "PASSES", "RENDER_OUTPUTS", "Clip", "Control", "Doc", "Frame", "ManifestInfo", "Needs",
    "Pass", "Registry", "closure", "register_control", "register_pass", "resolve_controls", "resolve_outputs",
    "resolve_passes",
]
