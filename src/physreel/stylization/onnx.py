"""A stylizer running a feed-forward style-transfer network in ONNX format (extra:
``physreel[onnx]``).

It fits the "fast neural style" networks (Johnson et al. 2016) as published in the ONNX model
zoo (``mosaic-9.onnx``, ``candy-9.onnx``, ``rain-princess-9.onnx``, ``udnie-9.onnx``,
``pointilism-9.onnx``; licence Apache-2.0 per their model cards, trained with the BSD-3-Clause
``pytorch/examples`` code): input ``(1, 3, H, W)`` float32 RGB in 0..255, output the same.
physreel ships no weights and downloads none: pass the path of a model you have
(``--option model=PATH.onnx``).  Networks with a fixed input size get the frame resized to it and
the result resized back; others run at the frame's size (padded to a multiple of ``multiple``).
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InputError
from .extras import require


class OnnxStyle:
    """Run an ONNX image-to-image network on every frame.

    Parameters
    ----------
    model : path of the ``.onnx`` file
    input_range : ``255`` (fast neural style: 0..255) or ``1`` (0..1) for input and output
    multiple : pad dynamic-size inputs to a multiple of this (the network's downsampling)
    threads : onnxruntime intra-op threads (1 keeps several workers from oversubscribing cores)
    name : output name (default: the model's file stem)
    """

    needs = ("rgb",)

    def __init__(self, model: str | os.PathLike | None = None, input_range: float = 255.0, multiple: int = 4,
                 threads: int = 1, name: str | None = None):
        ort = require("onnxruntime", "onnx", "the ONNX stylizer")
        if model is None:
            raise InputError("the ONNX stylizer needs a model: --option model=PATH.onnx (physreel ships and "
                             "downloads no weights; see the README's stylization section)")
        path = os.fspath(model)
        if not os.path.isfile(path):
            raise InputError(f"ONNX model {path} does not exist")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(threads)
        try:
            self.session = ort.InferenceSession(path, sess_options=opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # noqa: BLE001 - onnxruntime raises its own types
            raise InputError(f"{path} is not a usable ONNX model: {e}") from None
        inp = self.session.get_inputs()[0]
        if len(inp.shape) != 4:
            raise InputError(f"{path}: expected an image input (1, 3, H, W), got shape {inp.shape}")
        self.input_name = inp.name
        self.fixed = tuple(inp.shape[2:]) if all(isinstance(s, int) for s in inp.shape[2:]) else None
        self.scale = float(input_range) / 255.0
        self.multiple = max(int(multiple), 1)
        self.name = name or os.path.splitext(os.path.basename(path))[0]

    def __call__(self, bundle) -> np.ndarray:
        rgb = np.asarray(bundle["rgb"])
        h, w = rgb.shape[:2]
        if self.fixed is not None:
            x = _resize(rgb, self.fixed[1], self.fixed[0])
        else:
            ph, pw = -h % self.multiple, -w % self.multiple
            x = np.pad(rgb, ((0, ph), (0, pw), (0, 0)), mode="edge")
        inp = (x.astype(np.float32) * np.float32(self.scale)).transpose(2, 0, 1)[None]
        out = self.session.run(None, {self.input_name: inp})[0][0].transpose(1, 2, 0) / np.float32(self.scale)
        img = np.clip(out + 0.5, 0, 255).astype(np.uint8)
        if self.fixed is not None:
            return _resize(img, w, h)
        return np.ascontiguousarray(img[:h, :w])


def _resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    from PIL import Image

    if img.shape[:2] == (h, w):
        return img
    return np.asarray(Image.fromarray(img).resize((w, h), Image.BILINEAR))
