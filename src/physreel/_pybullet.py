"""pybullet, imported without its banner.

pybullet's C extension prints ``pybullet build time: ...`` (to file descriptor 2, from C) when
it is first imported: on a terminal that line lands in the middle of physreel's output and in
every batch worker's.  :func:`pybullet` imports the module with descriptors 1 and 2 pointed at
``/dev/null`` (C's stdio buffers flushed before they are pointed back, so the line cannot
escape later).  An import error is still raised as usual, after the descriptors are restored.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType


def pybullet() -> ModuleType:
    """The ``pybullet`` module, imported once, silently."""
    mod = sys.modules.get("pybullet")
    if mod is not None:
        return mod
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        saved = [os.dup(1), os.dup(2)]
    except (OSError, ValueError, AttributeError):  # no usable descriptors (embedded interpreters)
        import pybullet as mod

        return mod
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        import pybullet as mod
    finally:
        _flush_c_stdio()
        for fd, old in zip((1, 2), saved, strict=True):
            os.dup2(old, fd)
            os.close(old)
        os.close(devnull)
    return mod


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers (where the banner waits when a descriptor is a pipe)."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to ask (not POSIX): nothing buffered there
        pass
