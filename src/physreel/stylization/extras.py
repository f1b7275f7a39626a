"""Optional dependencies of the stylize package, imported when a feature first needs them."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from ..errors import InputError


class MissingExtra(InputError):
    """An optional dependency is not installed (exit 2: the fix is an install command)."""


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtra` saying which extra to install."""
    try:
        return import_module(module)
    except ImportError as e:
        raise MissingExtra(f"{feature} needs the Python module {module!r} ({e}); install it with: "
                           f"pip install 'physreel[{extra}]'") from None
