"""The optional stylizers: OpenCV filters and ONNX networks (skipped without their extras)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import physreel
from physreel.stylization.extras import MissingExtra
from physreel.stylization.registry import lookup
from physreel.stylization.source import RenderFrames


def test_a_missing_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 -> ImportError
    with pytest.raises(MissingExtra, match=r"pip install 'physreel\[opencv\]'"):
        lookup("cv-pencil").create()
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(MissingExtra, match=r"pip install 'physreel\[onnx\]'"):
        lookup("onnx").create(model="x.onnx")


def test_opencv_stylizers_match_opencv_on_rgb(render_dir):
    cv2 = pytest.importorskip("cv2", reason="needs the opencv extra: pip install 'physreel[opencv]'")
    fr = RenderFrames(render_dir)
    b = fr.bundle(10, ["rgb"])
    bgr = np.ascontiguousarray(b["rgb"][..., ::-1])
    out = lookup("cv-stylize").create(sigma_s=30, sigma_r=0.3)(b)
    assert (out == cv2.stylization(bgr, sigma_s=30, sigma_r=0.3)[..., ::-1]).all()
    assert out.shape == b["rgb"].shape and out.dtype == np.uint8
    # channel order survives: the red ball stays red
    ball = fr.bundle(10, ["segmentation"])["segmentation"] == 2
    assert out[ball][:, 0].mean() > 1.5 * out[ball][:, 2].mean()
    grey = lookup("cv-pencil").create()(b)
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 0] == cv2.pencilSketch(bgr)[0]).all()
    smooth = lookup("cv-smooth").create()(b)
    assert (smooth == cv2.edgePreservingFilter(bgr, flags=cv2.RECURS_FILTER, sigma_s=60, sigma_r=0.4)[..., ::-1]).all()


def _swap_rb_model(path, size=None):
    """A one-layer ONNX network: a 1x1 convolution that swaps the red and blue channels."""
    onnx = pytest.importorskip("onnx", reason="building a test network needs the onnx extra")
    from onnx import TensorProto, helper, numpy_helper

    w = np.zeros((3, 3, 1, 1), np.float32)
    w[0, 2] = w[1, 1] = w[2, 0] = 1.0
    dims = [1, 3, size[1], size[0]] if size else [1, 3, "H", "W"]
    graph = helper.make_graph(
        [helper.make_node("Conv", ["input1", "w"], ["output1"])], "swap",
        [helper.make_tensor_value_info("input1", TensorProto.FLOAT, dims)],
        [helper.make_tensor_value_info("output1", TensorProto.FLOAT, dims)],
        initializer=[numpy_helper.from_array(w, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 9)])
    model.ir_version = 7
    onnx.save(model, str(path))
    return path


def test_onnx_stylizer_runs_the_network_on_every_frame(render_dir, fresh_render, tmp_path):
    pytest.importorskip("onnxruntime", reason="needs the onnx extra: pip install 'physreel[onnx]'")
    model = _swap_rb_model(tmp_path / "swap.onnx")
    st = lookup("onnx").create(model=str(model))
    assert st.name == "swap"
    b = RenderFrames(render_dir).bundle(4, ["rgb"])
    assert (st(b) == b["rgb"][..., ::-1]).all()  # exact: 0..255 in, 0..255 out
    fixed = lookup("onnx").create(model=str(_swap_rb_model(tmp_path / "fixed.onnx", size=(48, 36))))
    out = fixed(b)  # resized to 48x36 and back
    assert out.shape == b["rgb"].shape
    assert np.abs(out.astype(float) - b["rgb"][..., ::-1]).mean() < 12
    res = physreel.stylize(fresh_render, "onnx", stabilize=True, options={"model": str(model)})
    assert res.videos["main"].name == "swap.mp4"


def test_onnx_stylizer_errors(tmp_path):
    pytest.importorskip("onnxruntime", reason="needs the onnx extra: pip install 'physreel[onnx]'")
    from physreel.errors import InputError

    with pytest.raises(InputError, match="needs a model"):
        lookup("onnx").create()
    with pytest.raises(InputError, match="does not exist"):
        lookup("onnx").create(model=str(tmp_path / "missing.onnx"))
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a usable ONNX model"):
        lookup("onnx").create(model=str(tmp_path / "junk.onnx"))
