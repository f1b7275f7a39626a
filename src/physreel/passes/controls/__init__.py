"""The built-in conditioning controls, one module each; importing this package registers them
(the order of registration is the canonical order)."""

# isort: off
from . import depth, normal, edges, canny, seg, tracks, openpose  # noqa: F401
# isort: on
