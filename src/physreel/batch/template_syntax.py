"""The template vocabulary: recognising distributions and repeat blocks, and checking their
syntax (every branch, with line numbers) before anything is drawn.

See :mod:`physreel.batch.templates` for what each construct means.
"""

from __future__ import annotations

import glob as globmod
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from physreel.batch import template_library as _library
from physreel.errors import Problem

# distribution keyword -> modifier keys allowed next to it
DISTRIBUTIONS: dict[str, frozenset[str]] = {
    "uniform": frozenset(),
    "loguniform": frozenset(),
    "normal": frozenset({"clip"}),
    "randint": frozenset(),
    "choice": frozenset({"weights"}),
    "hue": frozenset({"saturation", "value"}),
    "glob": frozenset(),
    "orbit": frozenset(),
    "var": frozenset(),
    "library": _library.allowed_keys(),
}
BLOCK_KEYS = frozenset({"count", "pool", "names"})
_TEMPLATE_KEYS = frozenset({"description", "interest", "placement", "vars"})
_PLACEMENT_KEYS = frozenset({"max_tries", "margin"})
_ORBIT_KEYS = frozenset({"distance", "elevation", "azimuth", "target"})
DEFAULT_NAMES = "obj_{i}"


def dist_kind(value: Any) -> str | None:
    """The distribution keyword of ``value`` if it is a distribution mapping, else None."""
    if not isinstance(value, Mapping):
        return None
    kinds = [k for k in value if k in DISTRIBUTIONS]
    return kinds[0] if kinds else None


def is_block(value: Any) -> bool:
    """Whether ``value`` is a repeat block (``{count, pool, names}``)."""
    return isinstance(value, Mapping) and "pool" in value and set(value) <= BLOCK_KEYS


def uses_template_features(data: Any) -> bool:
    """Whether a parsed document (or any value in it) holds a distribution, a repeat block or
    a ``template`` section."""
    if isinstance(data, Mapping):
        if "template" in data:
            return True
        if dist_kind(data) is not None or is_block(data):
            return True
        return any(uses_template_features(v) for v in data.values())
    if isinstance(data, list):
        return any(uses_template_features(v) for v in data)
    return False


def check_template(data: Mapping[str, Any], *, base_dir: Path | None = None) -> list[Problem]:
    """Check the syntax of every distribution, repeat block and the ``template`` section.

    Every branch is checked (all choices, all pool entries), not only the ones a seed picks.

    Returns
    -------
    list of Problem
        Empty when the template is well formed.
    """
    checker = _Checker(Path(base_dir) if base_dir is not None else Path.cwd())
    settings = data.get("template")
    if isinstance(settings, Mapping) and isinstance(settings.get("vars"), Mapping):
        checker.var_names = {str(k) for k in settings["vars"]}
    for key, value in data.items():
        if key == "template":
            checker.settings(value, data, key)
        else:
            checker.value(value, key, data, key)
    return checker.problems


def _line(container: Any, key: Any) -> int | None:
    """1-based line of ``container[key]`` when the document came from ruamel, else None."""
    lc = getattr(container, "lc", None)
    if lc is None:
        return None
    try:
        pos = lc.key(key) if isinstance(container, Mapping) else lc.item(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return pos[0] + 1 if pos else None


def is_number(x: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))


def is_vector(x: Any) -> bool:
    """A non-empty list or tuple of numbers."""
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(is_number(v) for v in x)


def _is_range(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) == 2 and all(is_number(v) for v in x)


class _Checker:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.problems: list[Problem] = []
        self.var_names: set[str] = set()

    def add(self, path: str, message: str, container: Any, key: Any) -> None:
        self.problems.append(Problem(path, message, line=_line(container, key)))

    def value(self, value: Any, path: str, container: Any, key: Any) -> None:
        kind = dist_kind(value)
        if kind is not None:
            self.dist(kind, value, path, container, key)
        elif is_block(value):
            self.block(value, path, container, key)
        elif isinstance(value, Mapping):
            if "pool" in value:
                extra = sorted(set(value) - BLOCK_KEYS)
                self.add(
                    path,
                    f"a repeat block takes only count, pool and names; unexpected {extra}",
                    container,
                    key,
                )
            for k, v in value.items():
                self.value(v, f"{path}.{k}" if path else str(k), value, k)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.value(v, f"{path}[{i}]", value, i)

    def dist(self, kind: str, d: Mapping, path: str, container: Any, key: Any) -> None:
        others = [k for k in d if k in DISTRIBUTIONS and k != kind]
        if others:
            self.add(
                path,
                f"one distribution per value, got both '{kind}' and '{others[0]}'",
                container,
                key,
            )
            return
        extra = sorted(set(d) - {kind} - DISTRIBUTIONS[kind])
        if extra:
            allowed = ", ".join(sorted(DISTRIBUTIONS[kind])) or "nothing else"
            self.add(
                path,
                f"unexpected key(s) {extra} in a '{kind}' distribution (allowed: {allowed})",
                container,
                key,
            )
        arg = d[kind]
        here = f"{path}.{kind}"
        getattr(self, f"_{kind}")(arg, d, here, d, kind)

    def _bounds(self, arg: Any, path: str, c: Any, k: Any, what: str, positive=False) -> None:
        ok_scalar = _is_range(arg)
        ok_vector = (
            isinstance(arg, (list, tuple))
            and len(arg) == 2
            and is_vector(arg[0])
            and is_vector(arg[1])
            and len(arg[0]) == len(arg[1])
        )
        if not (ok_scalar or ok_vector):
            self.add(
                path,
                f"{what} expects [low, high] numbers or [[low...], [high...]] vectors of equal "
                f"length, got {plain(arg)!r}",
                c,
                k,
            )
            return
        lo = np.atleast_1d(np.asarray(arg[0], dtype=float))
        hi = np.atleast_1d(np.asarray(arg[1], dtype=float))
        if np.any(lo > hi):
            self.add(path, f"{what} needs low <= high, got {plain(arg)!r}; swap them", c, k)
        if positive and np.any(lo <= 0):
            self.add(path, f"{what} needs 0 < low, got {plain(arg)!r}", c, k)

    def _uniform(self, arg, d, path, c, k) -> None:
        self._bounds(arg, path, c, k, "uniform")

    def _loguniform(self, arg, d, path, c, k) -> None:
        self._bounds(arg, path, c, k, "loguniform", positive=True)

    def _normal(self, arg, d, path, c, k) -> None:
        ok = isinstance(arg, (list, tuple)) and len(arg) == 2
        ok = ok and (_is_range(arg) or (is_vector(arg[0]) and is_vector(arg[1])))
        if ok and not _is_range(arg) and len(arg[0]) != len(arg[1]):
            ok = False
        if not ok:
            self.add(path, f"normal expects [mean, std] or [[means], [stds]], got {arg!r}", c, k)
            return
        if np.any(np.asarray(arg[1], dtype=float) < 0):
            self.add(path, f"normal needs std >= 0, got {plain(arg)!r}", c, k)
        if "clip" in d:
            self._bounds(d["clip"], path.rsplit(".", 1)[0] + ".clip", d, "clip", "clip")

    def _randint(self, arg, d, path, c, k) -> None:
        ints = isinstance(arg, (list, tuple)) and len(arg) == 2
        ints = ints and all(isinstance(v, int) and not isinstance(v, bool) for v in arg)
        if not ints:
            self.add(path, f"randint expects [low, high] integers (inclusive), got {arg!r}", c, k)
        elif arg[0] > arg[1]:
            self.add(path, f"randint needs low <= high, got {plain(arg)!r}", c, k)

    def _choice(self, arg, d, path, c, k) -> None:
        if not isinstance(arg, list) or not arg:
            self.add(path, f"choice expects a non-empty list of values, got {arg!r}", c, k)
            return
        for i, v in enumerate(arg):
            self.value(v, f"{path}[{i}]", arg, i)
        if "weights" in d:
            w = d["weights"]
            wpath = path.rsplit(".", 1)[0] + ".weights"
            if not is_vector(w) or len(w) != len(arg):
                self.add(
                    wpath,
                    f"weights must be {len(arg)} numbers (one per choice), got {plain(w)!r}",
                    d,
                    "weights",
                )
            elif min(w) < 0 or sum(w) <= 0:
                self.add(
                    wpath, f"weights must be >= 0 with a positive sum, got {w!r}", d, "weights"
                )

    def _hue(self, arg, d, path, c, k) -> None:
        self._bounds(arg, path, c, k, "hue (degrees)")
        for mod in ("saturation", "value"):
            if mod in d:
                v = d[mod]
                ok = (is_number(v) and 0 <= v <= 1) or (_is_range(v) and 0 <= v[0] <= v[1] <= 1)
                if not ok:
                    self.add(
                        path.rsplit(".", 1)[0] + f".{mod}",
                        f"{mod} must be a number or [low, high] within [0, 1], got {v!r}",
                        d,
                        mod,
                    )

    def _glob(self, arg, d, path, c, k) -> None:
        if not isinstance(arg, str) or not arg:
            self.add(path, f"glob expects a file pattern string, got {arg!r}", c, k)
            return
        if not glob_files(arg, self.base_dir):
            self.add(
                path,
                f"glob '{arg}' matches no file (relative to {self.base_dir}); "
                "check the pattern and the folder",
                c,
                k,
            )

    def _library(self, arg, d, path, c, k) -> None:
        for message in _library.check(arg, d):
            self.add(path, message, c, k)
        parent = path.rsplit(".", 1)[0]
        for key, v in d.items():
            if key != "library":
                self.value(v, f"{parent}.{key}", d, key)

    def _var(self, arg, d, path, c, k) -> None:
        if arg not in self.var_names:
            known = ", ".join(sorted(self.var_names)) or "none defined"
            self.add(
                path,
                f"unknown variable {arg!r}; define it under template.vars (known: {known})",
                c,
                k,
            )

    def _orbit(self, arg, d, path, c, k) -> None:
        if not isinstance(arg, Mapping):
            self.add(path, f"orbit expects a mapping {sorted(_ORBIT_KEYS)}, got {arg!r}", c, k)
            return
        extra = sorted(set(arg) - _ORBIT_KEYS)
        if extra:
            self.add(
                path, f"unexpected key(s) {extra} in orbit; allowed {sorted(_ORBIT_KEYS)}", c, k
            )
        if "distance" not in arg:
            self.add(path, "orbit needs 'distance' (metres, a number or [low, high])", c, k)
        for key in ("distance", "elevation", "azimuth"):
            if key in arg and not (is_number(arg[key]) or _is_range(arg[key])):
                self.add(
                    f"{path}.{key}", f"expected a number or [low, high], got {arg[key]!r}", arg, key
                )
            elif key in arg and _is_range(arg[key]) and arg[key][0] > arg[key][1]:
                self.add(f"{path}.{key}", f"needs low <= high, got {plain(arg[key])!r}", arg, key)
        if "target" in arg and not (is_vector(arg["target"]) and len(arg["target"]) == 3):
            self.add(f"{path}.target", f"expected [x, y, z], got {arg['target']!r}", arg, "target")

    def block(self, b: Mapping, path: str, container: Any, key: Any) -> None:
        count = b.get("count", 1)
        if dist_kind(count) is not None:
            self.value(count, f"{path}.count", b, "count")
        elif not (isinstance(count, int) and not isinstance(count, bool) and count >= 0):
            self.add(
                f"{path}.count",
                f"count must be an integer >= 0 or a distribution, got {count!r}",
                b,
                "count",
            )
        names = b.get("names", DEFAULT_NAMES)
        if not isinstance(names, str) or not _format_ok(names):
            self.add(
                f"{path}.names",
                f"names must be a string pattern using {{i}}, e.g. 'obj_{{i}}', got {names!r}",
                b,
                "names",
            )
        pool = b["pool"]
        if not isinstance(pool, list) or not pool:
            self.add(f"{path}.pool", "pool must be a non-empty list of object templates", b, "pool")
            return
        for i, entry in enumerate(pool):
            epath = f"{path}.pool[{i}]"
            if (
                isinstance(entry, Mapping)
                and "object" in entry
                and set(entry) <= {"object", "weight"}
            ):
                w = entry.get("weight", 1)
                if not (is_number(w) and w >= 0):
                    self.add(
                        f"{epath}.weight",
                        f"weight must be a number >= 0, got {w!r}",
                        entry,
                        "weight",
                    )
                self.value(entry["object"], f"{epath}.object", entry, "object")
            elif isinstance(entry, Mapping):
                self.value(entry, epath, pool, i)
            else:
                self.add(
                    epath,
                    f"a pool entry must be a mapping (an object template), got {entry!r}",
                    pool,
                    i,
                )

    def settings(self, s: Any, container: Any, key: Any) -> None:
        if not isinstance(s, Mapping):
            self.add(
                "template",
                f"expected a mapping {sorted(_TEMPLATE_KEYS)}, got {s!r}",
                container,
                key,
            )
            return
        extra = sorted(set(s) - _TEMPLATE_KEYS)
        if extra:
            self.add(
                "template",
                f"unexpected key(s) {extra}; allowed {sorted(_TEMPLATE_KEYS)}",
                container,
                key,
            )
        interest = s.get("interest", [])
        if not (isinstance(interest, list) and all(isinstance(x, str) for x in interest)):
            self.add(
                "template.interest",
                f"expected a list of name patterns, got {interest!r}",
                s,
                "interest",
            )
        variables = s.get("vars", {})
        if not isinstance(variables, Mapping):
            self.add(
                "template.vars", f"expected a mapping name: value, got {variables!r}", s, "vars"
            )
        else:
            for name, spec in variables.items():
                self.value(spec, f"template.vars.{name}", variables, name)
        placement = s.get("placement", {})
        if not isinstance(placement, Mapping) or set(placement) - _PLACEMENT_KEYS:
            self.add(
                "template.placement",
                f"expected a mapping with {sorted(_PLACEMENT_KEYS)}, got {plain(placement)!r}",
                s,
                "placement",
            )
        else:
            mt = placement.get("max_tries", 100)
            if not (isinstance(mt, int) and mt >= 1):
                self.add(
                    "template.placement.max_tries",
                    f"expected an integer >= 1, got {mt!r}",
                    placement,
                    "max_tries",
                )
            mg = placement.get("margin", 0.0)
            if not (is_number(mg) and mg >= 0):
                self.add(
                    "template.placement.margin",
                    f"expected metres >= 0, got {mg!r}",
                    placement,
                    "margin",
                )


def _format_ok(pattern: str) -> bool:
    try:
        pattern.format(i=0)
    except (KeyError, IndexError, ValueError):
        return False
    return True


def glob_files(pattern: str, base_dir: Path) -> list[str]:
    """Absolute paths of the files matching ``pattern`` (relative to ``base_dir``), sorted."""
    full = pattern if Path(pattern).is_absolute() else str(base_dir / pattern)
    return sorted(str(Path(p).resolve()) for p in globmod.glob(full) if Path(p).is_file())


def plain(value: Any) -> Any:
    """Convert ruamel containers and scalars into plain Python (JSON-compatible) values."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value
