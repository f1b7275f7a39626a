"""Radiance RGBE (``.hdr``) images: read and write, physreel's own code.

The format (Greg Ward's, as documented with Radiance): a text header starting ``#?RADIANCE``
or ``#?RGBE`` with ``FORMAT=32-bit_rle_rgbe``, an empty line, a resolution line
``-Y H +X W`` (rows top first), then H scanlines of W pixels of 4 bytes: three mantissas and
a shared exponent, ``value = (m + 0.5) / 256 * 2 ** (e - 128)`` (0 when e = 0).  Scanlines of
8..32767 pixels are usually run-length encoded per channel ("new RLE": each starts with the
bytes 2, 2 and the width); others are stored flat.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import AssetError


def read_hdr(path: str | Path) -> np.ndarray:
    """(H, W, 3) float32 linear radiance of a Radiance ``.hdr`` file (row 0 = top).

    Raises
    ------
    AssetError
        When the file cannot be read or is not a Radiance RGBE image (with what to do).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise AssetError(f"sky file {path}: cannot read it ({e.strerror or e})") from None
    try:
        return _decode(data)
    except (ValueError, IndexError) as e:
        raise AssetError(f"sky file {path}: not a readable Radiance .hdr image ({e}); "
                         "save the environment map as Radiance RGBE (.hdr), equirectangular") from None


def _decode(data: bytes) -> np.ndarray:
    if not data.startswith((b"#?RADIANCE", b"#?RGBE")):
        raise ValueError("no '#?RADIANCE' signature")
    pos = 0
    fmt = None
    while True:  # header lines up to the empty line
        end = data.index(b"\n", pos)
        line = data[pos:end].strip()
        pos = end + 1
        if not line:
            break
        if line.startswith(b"FORMAT="):
            fmt = line[7:].decode(errors="replace")
    if fmt not in (None, "32-bit_rle_rgbe"):
        raise ValueError(f"format {fmt!r} (only 32-bit_rle_rgbe, not XYZE)")
    end = data.index(b"\n", pos)
    res = data[pos:end].split()
    pos = end + 1
    if len(res) != 4 or res[0] != b"-Y" or res[2] != b"+X":
        raise ValueError(f"orientation {b' '.join(res).decode(errors='replace')!r} (expected '-Y H +X W')")
    h, w = int(res[1]), int(res[3])
    if h <= 0 or w <= 0:
        raise ValueError(f"size {w} x {h}")
    buf = np.frombuffer(data, dtype=np.uint8, offset=pos)
    rgbe = np.empty((h, w, 4), dtype=np.uint8)
    i = 0
    for y in range(h):
        if 8 <= w < 32768 and buf[i] == 2 and buf[i + 1] == 2 and (int(buf[i + 2]) << 8 | int(buf[i + 3])) == w:
            i += 4
            for c in range(4):
                x = 0
                while x < w:
                    n = int(buf[i])
                    i += 1
                    if n > 128:  # a run of one value
                        n -= 128
                        rgbe[y, x:x + n, c] = buf[i]
                        i += 1
                    else:  # n literal values
                        if n == 0 or x + n > w:
                            raise ValueError(f"bad run length in row {y}")
                        rgbe[y, x:x + n, c] = buf[i:i + n]
                        i += n
                    x += n
        else:  # flat pixels
            rgbe[y] = buf[i:i + 4 * w].reshape(w, 4)
            i += 4 * w
    e = rgbe[..., 3].astype(np.int32)
    scale = np.where(e > 0, np.ldexp(1.0, e - 136), 0.0)  # 2^(e - 128) / 256
    return ((rgbe[..., :3].astype(np.float64) + 0.5) * scale[..., None]).astype(np.float32)


def write_hdr(path: str | Path, image: np.ndarray) -> None:
    """Write (H, W, 3) linear radiance as a flat (not run-length encoded) Radiance file."""
    img = np.maximum(np.asarray(image, dtype=np.float64), 0.0)
    h, w = img.shape[:2]
    m = img.max(axis=-1)
    mant, exp = np.frexp(m)  # m = mant * 2^exp, mant in [0.5, 1)
    scale = np.where(m > 1e-32, mant * 256.0 / np.maximum(m, 1e-300), 0.0)
    rgbe = np.zeros((h, w, 4), dtype=np.uint8)
    rgbe[..., :3] = np.clip(np.floor(img * scale[..., None]), 0, 255).astype(np.uint8)
    rgbe[..., 3] = np.where(m > 1e-32, np.clip(exp + 128, 0, 255), 0).astype(np.uint8)
    head = f"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y {h} +X {w}\n".encode()
    Path(path).write_bytes(head + rgbe.tobytes())
