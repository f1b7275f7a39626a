"""Reading rigged glTF characters: skins, joints, weights and inverse bind matrices.

trimesh loads a skinned glTF's bind-pose mesh but drops its skin, so this module reads the
file itself (GLB, or .gltf with embedded or external buffers) with the glTF 2.0 rules:
accessors (component types, normalised integers, strides), node transforms (``matrix`` or
translation-rotation-scale; quaternions ``[x, y, z, w]``), and linear blend skinning
``v = sum_k w_k * G_{j_k} * IBM_{j_k} * v_bind`` with ``G`` a joint node's global transform.

Everything is returned in glTF's own frame (Y up, metres as written); conversion to physreel's
Z-up frame happens in :mod:`physreel.assets.skinned`.
"""

from __future__ import annotations

import base64
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import AssetError
from ..quaternions import qto_matrix

_COMPONENTS = {5120: np.int8, 5121: np.uint8, 5122: np.int16, 5123: np.uint16, 5125: np.uint32, 5126: np.float32}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


@dataclass(frozen=True)
class GltfSkin:
    """A skinned mesh and its skeleton, in the file's frame.

    Attributes
    ----------
    positions : (V, 3) float64: bind-pose vertex positions (the mesh as authored)
    normals : (V, 3) float64 or None
    uv : (V, 2) float64 or None: TEXCOORD_0
    faces : (F, 3) int64
    joints : (V, 4) int64: indices into :attr:`joint_names` (the skin's joint order)
    weights : (V, 4) float64: rows sum to 1
    joint_names : list of str
    joint_parents : (J,) int64: parent joint index, -1 for joints whose parent is no joint
    rest_globals : (J, 4, 4) float64: each joint node's global transform in the file's
        default pose
    inverse_bind : (J, 4, 4) float64
    texture : bytes or None: the base-colour image file (PNG or JPEG)
    base_color : (4,) float64: the base-colour factor (linear RGBA)
    """

    positions: np.ndarray
    normals: np.ndarray | None
    uv: np.ndarray | None
    faces: np.ndarray
    joints: np.ndarray
    weights: np.ndarray
    joint_names: list[str]
    joint_parents: np.ndarray
    rest_globals: np.ndarray
    inverse_bind: np.ndarray
    texture: bytes | None
    base_color: np.ndarray

    def skin(self, globals_: np.ndarray) -> np.ndarray:
        """Linear blend skinning: vertex positions (V, 3) for joint global transforms (J, 4, 4)."""
        mats = np.asarray(globals_, dtype=np.float64) @ self.inverse_bind  # (J, 4, 4)
        blended = np.einsum("vk,vkij->vij", self.weights, mats[self.joints])  # (V, 4, 4)
        return np.einsum("vij,vj->vi", blended[:, :3, :3], self.positions) + blended[:, :3, 3]


def read_skin(path: str | Path) -> GltfSkin:
    """Read the first skinned mesh of a glTF/GLB file.

    Raises
    ------
    AssetError
        The file cannot be read, is not glTF 2.0, or has no skinned mesh.
    """
    path = Path(path)
    doc, bins = _load(path)
    nodes = doc.get("nodes", [])
    skinned = [i for i, n in enumerate(nodes) if "mesh" in n and "skin" in n]
    if not skinned:
        raise AssetError(f"{path}: no skinned mesh (a node with both 'mesh' and 'skin'); "
                         "give a rigged character (glTF with a skin, joints and weights)")
    node = nodes[skinned[0]]
    skin = doc["skins"][node["skin"]]
    joint_nodes = list(skin["joints"])
    n_joints = len(joint_nodes)
    acc = _Accessors(doc, bins, path)
    if "inverseBindMatrices" in skin:
        ibm = acc.read(skin["inverseBindMatrices"]).reshape(-1, 4, 4).transpose(0, 2, 1)  # column-major
    else:
        ibm = np.tile(np.eye(4), (n_joints, 1, 1))
    parents_of = _parents(nodes)
    globals_ = _globals(doc, nodes, parents_of)
    joint_parents = np.full(n_joints, -1, dtype=np.int64)
    for j, ni in enumerate(joint_nodes):
        p = parents_of.get(ni)
        while p is not None and p not in joint_nodes:
            p = parents_of.get(p)
        if p is not None:
            joint_parents[j] = joint_nodes.index(p)
    pos, nrm, uv, faces, jts, wts = [], [], [], [], [], []
    base = 0
    material = None
    for prim in doc["meshes"][node["mesh"]]["primitives"]:
        if prim.get("mode", 4) != 4:
            continue  # points and lines are not surfaces
        a = prim["attributes"]
        if "JOINTS_0" not in a or "WEIGHTS_0" not in a:
            raise AssetError(f"{path}: a skinned primitive lacks JOINTS_0/WEIGHTS_0")
        p = acc.read(a["POSITION"]).astype(np.float64)
        pos.append(p)
        nrm.append(acc.read(a["NORMAL"]).astype(np.float64) if "NORMAL" in a else None)
        uv.append(acc.read(a["TEXCOORD_0"]).astype(np.float64) if "TEXCOORD_0" in a else None)
        jts.append(acc.read(a["JOINTS_0"]).astype(np.int64))
        wts.append(acc.read(a["WEIGHTS_0"], normalized_ok=True).astype(np.float64))
        idx = acc.read(prim["indices"]).astype(np.int64).reshape(-1, 3) if "indices" in prim else \
            np.arange(len(p), dtype=np.int64).reshape(-1, 3)
        faces.append(idx + base)
        base += len(p)
        if material is None and "material" in prim:
            material = doc["materials"][prim["material"]]
    if not pos:
        raise AssetError(f"{path}: the skinned mesh has no triangles")
    weights = np.concatenate(wts)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(total > 0, weights / np.where(total > 0, total, 1.0), [[1.0, 0, 0, 0]])
    joints = np.concatenate(jts)
    if joints.max() >= n_joints:
        raise AssetError(f"{path}: JOINTS_0 names joint {joints.max()} but the skin has {n_joints}")
    texture, color = _base_color(doc, bins, material, path)
    return GltfSkin(
        positions=np.concatenate(pos),
        normals=np.concatenate(nrm) if all(n is not None for n in nrm) else None,
        uv=np.concatenate(uv) if all(u is not None for u in uv) else None,
        faces=np.concatenate(faces),
        joints=joints,
        weights=weights,
        joint_names=[nodes[i].get("name", f"joint_{k}") for k, i in enumerate(joint_nodes)],
        joint_parents=joint_parents,
        rest_globals=globals_[joint_nodes],
        inverse_bind=ibm,
        texture=texture,
        base_color=color,
    )


# ----------------------------------------------------------------------------- file layout
def _load(path: Path) -> tuple[dict, list[bytes]]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise AssetError(f"{path}: cannot read the file ({e})") from None
    if raw[:4] == b"glTF":
        version, length = struct.unpack_from("<II", raw, 4)
        if version != 2:
            raise AssetError(f"{path}: glTF version {version}; physreel reads glTF 2.0")
        off, doc, chunks = 12, None, []
        while off + 8 <= min(length, len(raw)):
            n, kind = struct.unpack_from("<I4s", raw, off)
            data = raw[off + 8: off + 8 + n]
            if kind == b"JSON":
                doc = json.loads(data)
            elif kind == b"BIN\x00":
                chunks.append(data)
            off += 8 + n
        if doc is None:
            raise AssetError(f"{path}: a GLB without a JSON chunk")
        bins = []
        for i, buf in enumerate(doc.get("buffers", [])):
            bins.append(chunks[0] if i == 0 and "uri" not in buf and chunks else _uri(buf["uri"], path))
        return doc, bins
    try:
        doc = json.loads(raw)
    except ValueError:
        raise AssetError(f"{path}: neither a GLB nor glTF JSON") from None
    return doc, [_uri(b["uri"], path) for b in doc.get("buffers", [])]


def _uri(uri: str, path: Path) -> bytes:
    if uri.startswith("data:"):
        return base64.b64decode(uri.split(",", 1)[1])
    try:
        return (path.parent / uri).read_bytes()
    except OSError as e:
        raise AssetError(f"{path}: buffer file {uri!r} cannot be read ({e})") from None


class _Accessors:
    def __init__(self, doc: dict, bins: list[bytes], path: Path):
        self.doc, self.bins, self.path = doc, bins, path

    def read(self, index: int, normalized_ok: bool = False) -> np.ndarray:
        a = self.doc["accessors"][index]
        if "sparse" in a:
            raise AssetError(f"{self.path}: sparse accessors are not supported")
        dtype = np.dtype(_COMPONENTS[a["componentType"]]).newbyteorder("<")
        width = _WIDTH[a["type"]]
        count = a["count"]
        view = self.doc["bufferViews"][a["bufferView"]]
        buf = self.bins[view["buffer"]]
        start = view.get("byteOffset", 0) + a.get("byteOffset", 0)
        stride = view.get("byteStride") or dtype.itemsize * width
        rows = np.ndarray((count, width), dtype=dtype, buffer=buf, offset=start, strides=(stride, dtype.itemsize))
        out = np.array(rows)
        if a.get("normalized") and normalized_ok and dtype.kind == "u":
            out = out.astype(np.float64) / np.iinfo(dtype).max
        return out if width > 1 else out[:, 0]


def _parents(nodes: list[dict]) -> dict[int, int]:
    return {c: i for i, n in enumerate(nodes) for c in n.get("children", [])}


def _local(node: dict) -> np.ndarray:
    if "matrix" in node:
        return np.asarray(node["matrix"], dtype=np.float64).reshape(4, 4).T  # column-major
    m = np.eye(4)
    s = np.asarray(node.get("scale", [1, 1, 1]), dtype=np.float64)
    m[:3, :3] = qto_matrix(np.asarray(node.get("rotation", [0, 0, 0, 1]), dtype=np.float64)) * s
    m[:3, 3] = node.get("translation", [0, 0, 0])
    return m


def _globals(doc: dict, nodes: list[dict], parents_of: dict[int, int]) -> np.ndarray:
    out = np.zeros((len(nodes), 4, 4))
    done = np.zeros(len(nodes), dtype=bool)

    def visit(i: int) -> np.ndarray:
        if not done[i]:
            p = parents_of.get(i)
            out[i] = (visit(p) if p is not None else np.eye(4)) @ _local(nodes[i])
            done[i] = True
        return out[i]

    for i in range(len(nodes)):
        visit(i)
    return out


def _base_color(doc: dict, bins: list[bytes], material: dict | None, path: Path) -> tuple[bytes | None, np.ndarray]:
    color = np.ones(4)
    if material is None:
        return None, color
    pbr = material.get("pbrMetallicRoughness", {})
    color = np.asarray(pbr.get("baseColorFactor", [1, 1, 1, 1]), dtype=np.float64)
    tex = pbr.get("baseColorTexture")
    if tex is None:
        return None, color
    image = doc["images"][doc["textures"][tex["index"]]["source"]]
    if "bufferView" in image:
        view = doc["bufferViews"][image["bufferView"]]
        off = view.get("byteOffset", 0)
        return bins[view["buffer"]][off: off + view["byteLength"]], color
    if "uri" in image:
        return _uri(image["uri"], path), color
    return None, color
