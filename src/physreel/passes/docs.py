"""Documentation made from the registries: the CLI help of ``--passes`` / ``--control`` and the
README's tables of passes and controls (a test checks that the README matches).

    python -m physreel.passes.docs README.md     # rewrite the generated parts of the README
"""

from __future__ import annotations

import sys
from pathlib import Path

from .registry import ALL, CONTROLS, PASSES, Registry


def _aliases(reg: Registry) -> list[tuple[str, str]]:
    return [(a, e.name) for e in reg for a in e.aliases]


def cli_help(kind: str) -> str:
    """Help text of the ``--passes`` (kind ``pass``) or ``--control`` option."""
    reg = PASSES if kind == "pass" else CONTROLS
    aliases = ", ".join(f"{a}={n}" for a, n in _aliases(reg))
    what = "passes" if kind == "pass" else "conditioning exports (they add the passes they are made from)"
    return (f"Comma-separated {what}: {', '.join(reg.names)} or {ALL}"
            + (f" (also {aliases})" if aliases else "") + " (default: the scene's).")


def names_sentence(reg: Registry) -> str:
    """"any of `rgb, depth, ...` (also `seg`, ...; `all` for every one)"."""
    aliases = ", ".join(f"`{a}`" for a, _ in _aliases(reg))
    return (f"any of `{', '.join(reg.names)}`" + (f"; also {aliases}" if aliases else "")
            + f"; `{ALL}` for every one")


def render_rows() -> list[str]:
    """The ``passes`` and ``control`` rows of the README's ``render`` table."""
    return [f"| `passes` | [rgb] | {names_sentence(PASSES)} |",
            f"| `control` | [] | {names_sentence(CONTROLS)} (adds the passes they need) |"]


def passes_table() -> str:
    """The README's table of passes (passes that share a description share a row)."""
    rows = ["| pass | files | dtype, units, convention |", "|---|---|---|"]
    done: set[str] = set()
    for e in PASSES:
        if e.name in done:
            continue
        group = [o.name for o in PASSES if o.doc is e.doc]
        done.update(group)
        rows.append(f"| {' / '.join(f'`{n}`' for n in group)} | {e.doc.files} | {e.doc.convention} |")
    return "\n".join(rows)


def controls_table() -> str:
    """The README's table of conditioning controls."""
    rows = ["| control | made from | what it is |", "|---|---|---|"]
    for e in CONTROLS:
        rows.append(f"| `{e.name}` | {', '.join(f'`{n}`' for n in e.needs)} | {e.doc.summary} |")
    return "\n".join(rows)


BLOCKS = {"passes table": passes_table, "controls table": controls_table}


def marker(name: str, end: bool = False) -> str:
    if end:
        return f"<!-- end of {name} -->"
    return f"<!-- {name}: generated from physreel.passes (python -m physreel.passes.docs README.md) -->"


def update_readme(text: str) -> str:
    """``text`` (a README) with its generated blocks and ``render`` rows made from the registries."""
    for name, make in BLOCKS.items():
        start, end = marker(name), marker(name, end=True)
        i, j = text.find(start), text.find(end)
        if i < 0 or j < i:
            raise ValueError(f"the README has no block '{start}' ... '{end}'")
        text = text[: i + len(start)] + "\n" + make() + "\n" + text[j:]
    lines = text.split("\n")
    for row in render_rows():
        key = row.split("|")[1]
        lines = [row if ln.startswith(f"|{key}|") else ln for ln in lines]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m physreel.passes.docs README.md\n")
        return 2
    path = Path(argv[0])
    path.write_text(update_readme(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
