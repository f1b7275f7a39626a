"""physreel: physically simulated video with exact ground truth.

Lifecycle: ``load_scene`` -> ``simulate`` -> ``render`` (a stream of frames) or ``write``
(an output folder) -> ``load`` (read an output folder back).
"""

from .api import render, simulate, with_overrides, write
from .errors import (
    AssetError,
    GLError,
    InputError,
    PhysreelError,
    RenderError,
    SceneError,
    SimulationError,
)
from .outputs.reader import load
from .physics.trajectory import Trajectory
from .scene.loader import load_scene, load_scene_data
from .scene.models import Scene

__version__ = "0.1.0"

__all__ = [
    "AssetError", "GLError", "InputError", "PhysreelError", "RenderError", "Scene", "SceneError",
    "SimulationError", "Trajectory", "load", "load_scene", "load_scene_data", "render", "simulate",
    "with_overrides", "write",
]
