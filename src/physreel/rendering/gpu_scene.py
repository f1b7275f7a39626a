"""The scene on the GPU: every surface in one vertex and one index buffer, drawn by groups.

Per-draw records (material, object slot, segmentation id) and per-object poses live in two
storage buffers; each draw's record index reaches the vertex shader as an instanced attribute
read at the draw's base instance.  A frame therefore costs one buffer upload of the poses and a
few multi-draw calls, however many objects there are (a shattered glass has 139 pieces).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np

from .glutil import Buffer, Texture2D, gl
from .surfaces import FLOOR, Surface

_STRIDE = 12  # floats per vertex: position 3, normal 3, uv 2, colour 4
_DYNAMIC_STRIDE = 18  # ... and world positions at the previous and next frame (3 + 3)


@dataclass
class Group:
    """Draws that share state: a contiguous range of the indirect command buffer."""

    first: int
    count: int
    floor: bool
    double_sided: bool
    blend: bool
    texture: Texture2D | None
    vertex_color: bool = False


class GpuScene:
    """Uploads surfaces once; per frame takes poses and presence.

    Parameters
    ----------
    surfaces : list of Surface (any order; regrouped here)
    n_objects : number of pose slots
    dynamic : the surfaces' vertices are replaced every frame (:meth:`set_vertices`), with the
        world positions of every vertex at the previous and next frame (per-vertex motion)
    """

    def __init__(self, surfaces: list[Surface], n_objects: int, dynamic: bool = False):
        order = sorted(range(len(surfaces)), key=lambda i: _group_key(surfaces[i]))
        self.surfaces = [surfaces[i] for i in order]
        self.n_objects = n_objects
        self.dynamic = dynamic
        stride = _DYNAMIC_STRIDE if dynamic else _STRIDE
        self.vao = gl.glGenVertexArrays(1)
        gl.glBindVertexArray(self.vao)
        verts, idx, commands, records = [], [], [], []
        base_vertex = first_index = 0
        for d, s in enumerate(self.surfaces):
            n = len(s.positions)
            v = np.zeros((n, stride), dtype=np.float32)
            v[:, 0:3], v[:, 3:6] = s.positions, s.normals
            if s.uv is not None:
                v[:, 6:8] = s.uv
            v[:, 8:12] = 1.0 if s.colors is None else s.colors
            verts.append(v)
            idx.append(s.indices.reshape(-1))
            commands.append((s.indices.size, 1, first_index, base_vertex, d))
            rec = np.zeros(12, dtype=np.float32)
            rec[0:4] = s.base_color
            rec[4:6] = s.roughness, s.metallic
            rec[8:12] = np.array([s.slot, s.seg_id, s.flags, 0], dtype=np.uint32).view(np.float32)
            records.append(rec)
            base_vertex += n
            first_index += s.indices.size
        self._buffers = []
        self.vertices = np.concatenate(verts) if verts else np.zeros((1, stride), np.float32)
        self.vbo = self._buffer(self.vertices, usage=gl.GL_DYNAMIC_DRAW if dynamic else gl.GL_STATIC_DRAW)
        self.first_vertex = np.cumsum([0] + [len(s.positions) for s in self.surfaces])
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.vbo.id)
        layout = [(0, 3, 0), (1, 3, 3), (2, 2, 6), (3, 4, 8)] + ([(5, 3, 12), (6, 3, 15)] if dynamic else [])
        for loc, size, offset in layout:
            gl.glEnableVertexAttribArray(loc)
            gl.glVertexAttribPointer(loc, size, gl.GL_FLOAT, gl.GL_FALSE, 4 * stride, ctypes.c_void_p(4 * offset))
        self.draw_ids = self._buffer(np.arange(max(len(self.surfaces), 1), dtype=np.uint32))
        gl.glBindBuffer(gl.GL_ARRAY_BUFFER, self.draw_ids.id)
        gl.glEnableVertexAttribArray(4)
        gl.glVertexAttribIPointer(4, 1, gl.GL_UNSIGNED_INT, 4, ctypes.c_void_p(0))
        gl.glVertexAttribDivisor(4, 1)
        self.ebo = self._buffer(np.concatenate(idx).astype(np.uint32) if idx else np.zeros(3, np.uint32))
        gl.glBindBuffer(gl.GL_ELEMENT_ARRAY_BUFFER, self.ebo.id)
        gl.glBindVertexArray(0)
        self.commands = np.array(commands, dtype=np.uint32).reshape(-1, 5)
        self._visible = np.ones(len(self.surfaces), dtype=bool)
        self.indirect = self._buffer(self.commands, usage=gl.GL_DYNAMIC_DRAW)
        self.records = self._buffer(np.concatenate(records) if records else np.zeros(12, np.float32))
        self.objects = self._buffer(np.zeros((max(n_objects, 1), 48), np.float32), usage=gl.GL_DYNAMIC_DRAW)
        self.slots = np.array([s.slot for s in self.surfaces], dtype=np.intp)
        self.textures: dict[int, Texture2D] = {}
        self.groups = self._groups()

    def _buffer(self, data, usage=gl.GL_STATIC_DRAW) -> Buffer:
        b = Buffer(data, usage=usage)
        self._buffers.append(b)
        return b

    def _groups(self) -> list[Group]:
        groups: list[Group] = []
        for d, s in enumerate(self.surfaces):
            tex = None
            if s.texture is not None:
                tex = self.textures[id(s.texture)] = self.textures.get(id(s.texture)) or _texture(s.texture)
            key = (bool(s.flags & FLOOR), s.double_sided, s.blend, tex, s.colors is not None)
            last = groups[-1] if groups else None
            # Textured and blended surfaces are drawn one by one (their own texture; sorting).
            if last is not None and tex is None and not s.blend and \
                    (last.floor, last.double_sided, last.blend, last.texture, last.vertex_color) == key:
                last.count += 1
            else:
                groups.append(Group(d, 1, *key))
        return groups

    # ------------------------------------------------------------------ per frame
    def set_poses(self, model: np.ndarray, prev: np.ndarray | None = None, next_: np.ndarray | None = None,
                  present: np.ndarray | None = None) -> None:
        """Object poses (N, 4, 4) object -> world at this frame, the previous and the next one
        (for motion; default: the same), and which objects exist (N,) bool."""
        n = self.n_objects
        if n:
            data = np.empty((n, 3, 4, 4), dtype=np.float32)
            data[:, 0] = np.swapaxes(model, 1, 2)  # GLSL matrices are column-major
            data[:, 1] = data[:, 0] if prev is None else np.swapaxes(prev, 1, 2)
            data[:, 2] = data[:, 0] if next_ is None else np.swapaxes(next_, 1, 2)
            self.objects.upload(data)
        visible = np.ones(len(self.surfaces), dtype=bool) if present is None else np.asarray(present, bool)[self.slots]
        if not np.array_equal(visible, self._visible):
            self._visible = visible
            cmd = self.commands.copy()
            cmd[:, 1] = visible
            self.indirect.upload(cmd)

    def set_vertices(self, slot: int, positions: np.ndarray, normals: np.ndarray,
                     prev_world: np.ndarray | None = None, next_world: np.ndarray | None = None) -> None:
        """New vertices of the dynamic surfaces of object ``slot``: positions and normals (V, 3)
        in its object frame at this frame, world positions at the previous / next frame."""
        for d, s in enumerate(self.surfaces):
            if s.slot != slot:
                continue
            v = self.vertices[self.first_vertex[d]:self.first_vertex[d + 1]]
            v[:, 0:3], v[:, 3:6] = positions, normals
            if prev_world is not None:
                v[:, 12:15] = prev_world
            if next_world is not None:
                v[:, 15:18] = next_world

    def upload_vertices(self) -> None:
        """Send the vertices set with :meth:`set_vertices` to the GPU."""
        self.vbo.upload(self.vertices)

    def bind(self) -> None:
        gl.glBindVertexArray(self.vao)
        self.objects.bind_storage(0)
        self.records.bind_storage(1)
        gl.glBindBuffer(gl.GL_DRAW_INDIRECT_BUFFER, self.indirect.id)

    def draw(self, group: Group) -> None:
        """Draw one group (the scene must be bound)."""
        gl.glMultiDrawElementsIndirect(gl.GL_TRIANGLES, gl.GL_UNSIGNED_INT, ctypes.c_void_p(20 * group.first),
                                       group.count, 0)

    def blend_order(self, camera_position: np.ndarray, poses: np.ndarray) -> list[Group]:
        """The blended groups, farthest object first (so that nearer glass covers farther)."""
        blended = [g for g in self.groups if g.blend and self._visible[g.first]]
        if len(blended) < 2:
            return blended
        dist = [np.linalg.norm(poses[self.slots[g.first], :3, 3] - camera_position) for g in blended]
        return [blended[i] for i in np.argsort(dist, kind="stable")[::-1]]

    def delete(self) -> None:
        for b in self._buffers:
            b.delete()
        for t in self.textures.values():
            t.delete()
        gl.glDeleteVertexArrays(1, [self.vao])


def _group_key(s: Surface) -> tuple:
    # floor first, then opaque untextured (culled, then double-sided), textured, blended
    return (not (s.flags & FLOOR), s.blend, s.texture is not None, s.double_sided, s.colors is not None)


def _texture(image: np.ndarray) -> Texture2D:
    img = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    fmt = gl.GL_SRGB8_ALPHA8 if img.shape[2] == 4 else gl.GL_SRGB8
    h, w = img.shape[:2]
    # Image row 0 is the top; glTF/OBJ UVs put v = 0 at the bottom, so upload bottom row first.
    return Texture2D(w, h, fmt, image=np.ascontiguousarray(img[::-1]), filter_linear=True, mipmaps=True, repeat=True)
