"""Batch backends: how one resolved scene is simulated, then rendered.

A backend is an object with two methods, named in the batch by ``"module:attribute"`` so that
worker processes can import it:

- ``simulate(scene, *, source, base_dir) -> SimulatedSample``: build and simulate a resolved
  scene dict; the sample's ``metadata`` (the shape of ``metadata.json``: per-frame object state,
  events, per-frame cameras) is what the quality filters and captions read;
- ``render(sample, out, *, passes, controls)``: write the render folder ``out`` (atomically,
  with a ``metadata.json``).

The batch decides between the two: a clip rejected by a filter is never rendered.
:data:`CORE` is physreel's own pipeline (build -> simulate -> render -> write).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from physreel.errors import ArgumentError

DEFAULT_BACKEND = "physreel.batch.backend:CORE"


@dataclass
class SimulatedSample:
    """A simulated, not yet rendered, sample.

    Attributes
    ----------
    scene : dict
        The resolved scene.
    metadata : dict
        The simulation record (see :func:`physreel.batch.filters.check_quality`).
    state : object
        Whatever the backend needs to render it (the core keeps its Assembly and Trajectory).
    """

    scene: dict[str, Any]
    metadata: dict[str, Any]
    state: Any = None


class Backend(Protocol):
    def simulate(self, scene: dict[str, Any], *, source: str, base_dir: Path) -> SimulatedSample: ...

    def render(self, sample: SimulatedSample, out: Path, *, passes: Sequence[str],
               controls: Sequence[str] = ()) -> None: ...


class CoreBackend:
    """physreel's own pipeline, the same the API and the CLI use."""

    def simulate(self, scene: dict[str, Any], *, source: str, base_dir: Path) -> SimulatedSample:
        from physreel.api import build, framed, simulate
        from physreel.checks import checked
        from physreel.outputs.writer import record_simulation
        from physreel.scene import load_scene_data

        assembly = checked(build(load_scene_data(scene, source=source, base_dir=Path(base_dir))), overlaps=False)
        trajectory = simulate(assembly)
        assembly = framed(assembly, trajectory)
        record = record_simulation(assembly, trajectory)
        return SimulatedSample(scene, record.metadata, (assembly, trajectory, record))

    def render(self, sample: SimulatedSample, out: Path, *, passes: Sequence[str],
               controls: Sequence[str] = ()) -> None:
        from physreel.api import resolve_outputs
        from physreel.outputs.writer import write_render

        assembly, trajectory, record = sample.state
        passes, controls = resolve_outputs(assembly.scene, passes, controls)
        write_render(assembly, trajectory, Path(out), passes=passes, controls=controls, record=record)


CORE = CoreBackend()


def backend_spec(backend: str | Backend | None) -> str:
    """``"module:attribute"`` of a backend (workers import it by name)."""
    if backend is None:
        return DEFAULT_BACKEND
    if isinstance(backend, str):
        if ":" not in backend:
            raise ArgumentError(f"backend must be 'module:attribute', got {backend!r}")
        return backend
    raise ArgumentError(
        "backend must be given as 'module:attribute' (worker processes import it by name), "
        f"got {backend!r}"
    )


def load_backend(spec: str) -> Backend:
    """Import the backend ``"module:attribute"``."""
    mod, _, name = spec.partition(":")
    obj: Any = importlib.import_module(mod)
    for part in name.split("."):
        obj = getattr(obj, part)
    if not (hasattr(obj, "simulate") and hasattr(obj, "render")):
        raise ArgumentError(f"backend {spec!r} has no simulate() and render() methods")
    return obj
