"""Text mesh files that are not UTF-8.

trimesh decodes text formats (OBJ, ASCII STL) as UTF-8 and, when that fails, guesses the
encoding with ``charset_normalizer``, which physreel's core install does not have: an OBJ whose
exporter wrote one Latin-1 comment (``# café``) failed with ``ModuleNotFoundError``.  A PLY
header with such a comment fails with ``UnicodeDecodeError`` whatever is installed.  This
module hands trimesh a file it can decode, and leaves every other file untouched:

- OBJ and ASCII STL that are not UTF-8 are read as Latin-1 (every byte is a character, so
  nothing is lost) and passed on as UTF-8;
- a PLY header's non-ASCII bytes (comments; the format allows only ASCII there) become ``?``,
  one byte for one byte, so a binary body keeps its offsets.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any


def readable_source(path: Path) -> tuple[Any, str | None]:
    """``(file_obj, file_type)`` for ``trimesh.load_scene``: the path itself, or the file's
    bytes re-encoded as above (``file_type`` is then the suffix, since a stream has no name)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".obj", ".stl", ".ply"):
        return str(path), None
    data = path.read_bytes()
    if suffix == ".ply":
        end = data.find(b"end_header")
        header = data[:end] if end >= 0 else b""
        if not header or header.isascii():
            return str(path), None
        fixed = bytes(b if b < 128 else 0x3F for b in header)
        return io.BytesIO(fixed + data[end:]), "ply"
    if suffix == ".stl" and _is_binary_stl(data):
        return str(path), None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return io.BytesIO(data.decode("latin-1").encode("utf-8")), suffix[1:]
    return str(path), None


def _is_binary_stl(data: bytes) -> bool:
    """A binary STL is an 80-byte header, a triangle count and 50 bytes per triangle."""
    if len(data) < 84:
        return False
    (n,) = struct.unpack_from("<I", data, 80)
    return len(data) == 84 + 50 * n


def looks_binary(path: Path, sample: int = 4096) -> bool:
    """Whether the start of a file is not text (many control bytes): a file named ``.obj``
    that is not an OBJ at all."""
    with open(path, "rb") as f:
        head = f.read(sample)
    if not head:
        return False
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return control / len(head) > 0.05
