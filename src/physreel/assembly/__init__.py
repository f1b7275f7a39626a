"""The build step: ``build(scene) -> Assembly`` resolves every object of a scene once
(``physreel.build`` is the same function, taking a path, dict or Scene).

Kinds of objects register themselves (:mod:`physreel.assembly.kinds`); importing this package
registers the built-in kinds.
"""

from __future__ import annotations

from . import compound as _compound  # noqa: F401  (registers the compound kind)
from . import humanoid as _humanoid  # noqa: F401  (registers the humanoid kind)
from . import rigid as _rigid  # noqa: F401  (registers the rigid kind)
from . import rope as _rope  # noqa: F401  (registers the rope kind)
from .core import Assembly, BuildContext, BuiltGround, BuiltObject, Look, build, resolve_object
from .kinds import ObjectKind, get_kind, kind_for_shape, kinds, register_kind

__all__ = [
    "Assembly", "BuildContext", "BuiltGround", "BuiltObject", "Look", "ObjectKind", "build", "get_kind",
    "kind_for_shape", "kinds", "register_kind", "resolve_object",
]
