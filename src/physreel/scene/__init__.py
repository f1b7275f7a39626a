"""Scene specs: models, loading with line numbers, material presets."""

from .loader import load_scene, load_scene_data
from .materials import PRESETS, MaterialProps
from .models import Scene

__all__ = ["PRESETS", "MaterialProps", "Scene", "load_scene", "load_scene_data"]
