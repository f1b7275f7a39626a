"""Drawing a template's values: every distribution resolved with one generator, repeat blocks
expanded into objects, in document order (see :mod:`physreel.batch.templates`)."""

from __future__ import annotations

import colorsys
import copy
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from physreel.batch.template_syntax import DEFAULT_NAMES, dist_kind, glob_files, is_block, plain
from physreel.errors import Problem


class Resolver:
    """Resolves template values with ``rng``; problems (a glob matching nothing, an unknown
    variable) are collected in :attr:`problems`, not raised.

    Parameters
    ----------
    base_dir : Path
        Folder that ``glob`` patterns are relative to.
    rng : numpy.random.Generator
        The only source of randomness.
    """

    def __init__(self, base_dir: Path, rng: np.random.Generator) -> None:
        self.base_dir = base_dir
        self.rng = rng
        self.problems: list[Problem] = []
        self._counter: dict[str, int] = {}
        self.vars: dict[str, Any] = {}

    def value(self, value: Any, path: str) -> Any:
        kind = dist_kind(value)
        if kind is not None:
            return self.dist(kind, value, path)
        if is_block(value):
            return self.list([value], path)
        if isinstance(value, Mapping):
            return {str(k): self.value(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return self.list(value, path)
        return plain(value)

    def list(self, items: Sequence[Any], path: str) -> list[Any]:
        out: list[Any] = []
        for i, item in enumerate(items):
            if is_block(item):
                for obj, _pos in self.block(item, f"{path}[{i}]", path):
                    out.append(obj)
            else:
                out.append(self.value(item, f"{path}[{i}]"))
        return out

    def objects(self, value: Any, path: str) -> tuple[list[Any], list[Any]]:
        """Resolve the object list, keeping each object's unresolved position for placement."""
        items = [value] if is_block(value) else value
        if not isinstance(items, list):
            return self.value(value, path), []
        out: list[Any] = []
        positions: list[Any] = []
        for i, item in enumerate(items):
            if is_block(item):
                for obj, pos in self.block(item, f"{path}[{i}]", path):
                    out.append(obj)
                    positions.append(pos)
            else:
                out.append(self.value(item, f"{path}[{i}]"))
                positions.append(item.get("position") if isinstance(item, Mapping) else None)
        return out, positions

    def block(self, b: Mapping, path: str, list_path: str) -> list[tuple[Any, Any]]:
        count = int(self.value(b.get("count", 1), f"{path}.count"))
        pattern = str(b.get("names", DEFAULT_NAMES))
        pool = list(b["pool"])
        weights = np.array(
            [float(e.get("weight", 1)) if _is_pool_wrapper(e) else 1.0 for e in pool]
        )
        p = weights / weights.sum()
        made: list[tuple[Any, Any]] = []
        for _ in range(count):
            j = int(self.rng.choice(len(pool), p=p))
            entry = pool[j]
            tmpl = entry["object"] if _is_pool_wrapper(entry) else entry
            i = self._counter.get(list_path, 0)
            self._counter[list_path] = i + 1
            obj = self.value(tmpl, f"{path}.pool[{j}]")
            name_pattern = obj.get("name", pattern) if isinstance(obj, dict) else pattern
            if isinstance(obj, dict):
                obj = {
                    "name": str(name_pattern).format(i=i),
                    **{k: v for k, v in obj.items() if k != "name"},
                }
            made.append((obj, tmpl.get("position") if isinstance(tmpl, Mapping) else None))
        return made

    def dist(self, kind: str, d: Mapping, path: str) -> Any:
        rng = self.rng
        arg = plain(d[kind])
        if kind == "uniform":
            lo, hi = np.asarray(arg[0], dtype=float), np.asarray(arg[1], dtype=float)
            return _out(rng.uniform(lo, hi))
        if kind == "loguniform":
            lo, hi = np.log(np.asarray(arg[0], float)), np.log(np.asarray(arg[1], float))
            return _out(np.exp(rng.uniform(lo, hi)))
        if kind == "normal":
            x = rng.normal(np.asarray(arg[0], float), np.asarray(arg[1], float))
            if "clip" in d:
                clip = plain(d["clip"])
                x = np.clip(x, np.asarray(clip[0], float), np.asarray(clip[1], float))
            return _out(x)
        if kind == "randint":
            return int(rng.integers(int(arg[0]), int(arg[1]) + 1))
        if kind == "choice":
            options = d[kind]
            if "weights" in d:
                w = np.asarray(plain(d["weights"]), dtype=float)
                j = int(rng.choice(len(options), p=w / w.sum()))
            else:
                j = int(rng.integers(0, len(options)))
            return self.value(options[j], f"{path}.choice[{j}]")
        if kind == "hue":
            h = float(rng.uniform(arg[0], arg[1])) % 360.0
            s = _draw_range(rng, plain(d.get("saturation", [0.6, 1.0])))
            v = _draw_range(rng, plain(d.get("value", [0.7, 1.0])))
            r, g, b = colorsys.hsv_to_rgb(h / 360.0, s, v)
            return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (r, g, b)))
        if kind == "glob":
            files = glob_files(str(arg), self.base_dir)
            if not files:
                self.problems.append(
                    Problem(path, f"glob '{arg}' matches no file in {self.base_dir}")
                )
                return str(arg)
            return files[int(rng.integers(0, len(files)))]
        if kind == "orbit":
            dist = _draw_range(rng, arg["distance"])
            elev = math.radians(_draw_range(rng, arg.get("elevation", 30.0)))
            azim = math.radians(_draw_range(rng, arg.get("azimuth", [0.0, 360.0])))
            target = np.asarray(arg.get("target", [0.0, 0.0, 0.0]), dtype=float)
            offset = dist * np.array(
                [math.cos(elev) * math.cos(azim), math.cos(elev) * math.sin(azim), math.sin(elev)]
            )
            return _out(target + offset)
        if kind == "library":
            from physreel.batch import template_library

            return template_library.resolve(d, rng, self.value, path)
        if kind == "var":
            if arg not in self.vars:
                self.problems.append(Problem(path, f"unknown variable {arg!r}"))
                return None
            return copy.deepcopy(self.vars[arg])
        raise AssertionError(kind)  # pragma: no cover - DISTRIBUTIONS is exhaustive


def _is_pool_wrapper(entry: Any) -> bool:
    return isinstance(entry, Mapping) and "object" in entry and set(entry) <= {"object", "weight"}


def _draw_range(rng: np.random.Generator, spec: Any) -> float:
    if isinstance(spec, (list, tuple)):
        return float(rng.uniform(float(spec[0]), float(spec[1])))
    return float(spec)


def _out(x: np.ndarray) -> Any:
    """A float or a list of floats, rounded to 1e-9 (keeps YAML and JSON dumps short)."""
    a = np.round(np.asarray(x, dtype=float), 9)
    return float(a) if a.ndim == 0 else [float(v) for v in a]
