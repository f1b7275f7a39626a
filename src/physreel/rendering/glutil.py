"""Thin OpenGL objects: shader programs, render targets, textures and buffers.

Everything here assumes a current context (:func:`physreel.rendering.gl.context`) and talks to
PyOpenGL directly.  Shaders are physreel's own GLSL files in ``rendering/glsl/``; a program
is compiled once per context for each set of ``#define`` s and cached (LLVM compiles every
shader on llvmpipe, so recompiling per clip would cost tens of milliseconds).
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import numpy as np

from ..errors import GLError
from .gl import platform

platform()  # the platform must be chosen before PyOpenGL is first imported
from OpenGL import GL as gl  # noqa: E402

GLSL_DIR = Path(__file__).with_name("glsl")
GLSL_VERSION = "#version 430 core"


def shader_source(name: str, defines: dict[str, object]) -> str:
    """The text of ``glsl/<name>`` with ``#define`` lines inserted after its version line and
    every ``#include "other.glsl"`` line replaced by that file's text (GLSL has no includes)."""
    text = _with_includes(name, set())
    head = "".join(f"#define {k} {v}\n" for k, v in sorted(defines.items()))
    return f"{GLSL_VERSION}\n{head}#line 1\n{text}"


def _with_includes(name: str, seen: set[str]) -> str:
    if name in seen:
        raise GLError(f"shader {name} includes itself")
    lines = []
    for line in (GLSL_DIR / name).read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("#include"):
            lines.append(_with_includes(s.split('"')[1], seen | {name}))
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


class Program:
    """A linked GL program with cached uniform locations."""

    def __init__(self, vertex: str, fragment: str, defines: dict[str, object]):
        self.name = f"{vertex}+{fragment}"
        self.id = gl.glCreateProgram()
        shaders = []
        for file, kind in ((vertex, gl.GL_VERTEX_SHADER), (fragment, gl.GL_FRAGMENT_SHADER)):
            s = gl.glCreateShader(kind)
            gl.glShaderSource(s, shader_source(file, defines))
            gl.glCompileShader(s)
            if not gl.glGetShaderiv(s, gl.GL_COMPILE_STATUS):
                log = gl.glGetShaderInfoLog(s).decode(errors="replace")
                raise GLError(f"shader {file} does not compile: {log}")
            gl.glAttachShader(self.id, s)
            shaders.append(s)
        gl.glLinkProgram(self.id)
        for s in shaders:
            gl.glDetachShader(self.id, s)
            gl.glDeleteShader(s)
        if not gl.glGetProgramiv(self.id, gl.GL_LINK_STATUS):
            log = gl.glGetProgramInfoLog(self.id).decode(errors="replace")
            raise GLError(f"program {self.name} does not link: {log}")
        self._loc: dict[str, int] = {}

    def use(self) -> Program:
        gl.glUseProgram(self.id)
        return self

    def loc(self, name: str) -> int:
        loc = self._loc.get(name)
        if loc is None:
            loc = self._loc[name] = gl.glGetUniformLocation(self.id, name)
        return loc

    def mat4(self, name: str, m: np.ndarray) -> None:
        loc = self.loc(name)
        if loc >= 0:
            gl.glUniformMatrix4fv(loc, 1, gl.GL_TRUE, np.ascontiguousarray(m, dtype=np.float32))

    def mat3(self, name: str, m: np.ndarray) -> None:
        loc = self.loc(name)
        if loc >= 0:
            gl.glUniformMatrix3fv(loc, 1, gl.GL_TRUE, np.ascontiguousarray(m, dtype=np.float32))

    def vec(self, name: str, v) -> None:
        """A float, vec2, vec3 or vec4 uniform, or an array of vec4 (shape (n, 4))."""
        loc = self.loc(name)
        if loc < 0:
            return
        a = np.asarray(v, dtype=np.float32)
        if a.ndim == 0:
            gl.glUniform1f(loc, float(a))
        elif a.ndim == 2:
            gl.glUniform4fv(loc, a.shape[0], np.ascontiguousarray(a))
        else:
            (gl.glUniform1fv, gl.glUniform2fv, gl.glUniform3fv, gl.glUniform4fv)[a.size - 1](loc, 1, a)

    def int(self, name: str, value: int) -> None:
        loc = self.loc(name)
        if loc >= 0:
            gl.glUniform1i(loc, int(value))

    def ivec2(self, name: str, value) -> None:
        loc = self.loc(name)
        if loc >= 0:
            gl.glUniform2i(loc, int(value[0]), int(value[1]))

    def delete(self) -> None:
        gl.glDeleteProgram(self.id)


class Texture2D:
    """A 2D texture: render-target storage or an image with mipmaps."""

    def __init__(self, width: int, height: int, internal: int, *, samples: int = 0,
                 image: np.ndarray | None = None, filter_linear: bool = False, mipmaps: bool = False,
                 repeat: bool = False, compare: bool = False, border: tuple | None = None):
        self.width, self.height, self.internal, self.samples = width, height, internal, samples
        self.target = gl.GL_TEXTURE_2D_MULTISAMPLE if samples else gl.GL_TEXTURE_2D
        self.id = gl.glGenTextures(1)
        gl.glBindTexture(self.target, self.id)
        if samples:
            gl.glTexImage2DMultisample(self.target, samples, internal, width, height, gl.GL_TRUE)
            return
        levels = int(np.floor(np.log2(max(width, height)))) + 1 if mipmaps else 1
        gl.glTexStorage2D(self.target, levels, internal, width, height)
        if image is not None:
            img = np.ascontiguousarray(image)
            if img.dtype != np.float32:
                img = img.astype(np.uint8, copy=False)
            fmt = {1: gl.GL_RED, 3: gl.GL_RGB, 4: gl.GL_RGBA}[img.shape[2] if img.ndim == 3 else 1]
            gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
            gltype = gl.GL_FLOAT if img.dtype == np.float32 else gl.GL_UNSIGNED_BYTE
            gl.glTexSubImage2D(self.target, 0, 0, 0, width, height, fmt, gltype, img)
            if mipmaps:
                gl.glGenerateMipmap(self.target)
        mag = gl.GL_LINEAR if filter_linear else gl.GL_NEAREST
        mn = gl.GL_LINEAR_MIPMAP_LINEAR if mipmaps else mag
        gl.glTexParameteri(self.target, gl.GL_TEXTURE_MAG_FILTER, mag)
        gl.glTexParameteri(self.target, gl.GL_TEXTURE_MIN_FILTER, mn)
        wrap = gl.GL_REPEAT if repeat else (gl.GL_CLAMP_TO_BORDER if border is not None else gl.GL_CLAMP_TO_EDGE)
        gl.glTexParameteri(self.target, gl.GL_TEXTURE_WRAP_S, wrap)
        gl.glTexParameteri(self.target, gl.GL_TEXTURE_WRAP_T, wrap)
        if border is not None:
            gl.glTexParameterfv(self.target, gl.GL_TEXTURE_BORDER_COLOR, np.asarray(border, dtype=np.float32))
        if compare:
            gl.glTexParameteri(self.target, gl.GL_TEXTURE_COMPARE_MODE, gl.GL_COMPARE_REF_TO_TEXTURE)
            gl.glTexParameteri(self.target, gl.GL_TEXTURE_COMPARE_FUNC, gl.GL_LEQUAL)

    def bind(self, unit: int) -> None:
        gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
        gl.glBindTexture(self.target, self.id)

    def delete(self) -> None:
        gl.glDeleteTextures([self.id])


class TextureCube:
    """A cube map of float radiance (RGB16F) with box-filtered mip levels, sampled seamlessly
    across faces; faces (6, S, S, 3) in GL order (+X, -X, +Y, -Y, +Z, -Z)."""

    def __init__(self, faces: np.ndarray):
        faces = np.ascontiguousarray(np.asarray(faces, dtype=np.float32))
        size = faces.shape[1]
        self.size = size
        self.levels = int(np.log2(size)) + 1
        self.id = gl.glGenTextures(1)
        gl.glBindTexture(gl.GL_TEXTURE_CUBE_MAP, self.id)
        gl.glTexStorage2D(gl.GL_TEXTURE_CUBE_MAP, self.levels, gl.GL_RGB16F, size, size)
        gl.glPixelStorei(gl.GL_UNPACK_ALIGNMENT, 1)
        for i in range(6):
            gl.glTexSubImage2D(gl.GL_TEXTURE_CUBE_MAP_POSITIVE_X + i, 0, 0, 0, size, size, gl.GL_RGB, gl.GL_FLOAT,
                               faces[i])
        gl.glGenerateMipmap(gl.GL_TEXTURE_CUBE_MAP)
        gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, gl.GL_TEXTURE_MIN_FILTER, gl.GL_LINEAR_MIPMAP_LINEAR)
        gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, gl.GL_TEXTURE_MAG_FILTER, gl.GL_LINEAR)
        for wrap in (gl.GL_TEXTURE_WRAP_S, gl.GL_TEXTURE_WRAP_T, gl.GL_TEXTURE_WRAP_R):
            gl.glTexParameteri(gl.GL_TEXTURE_CUBE_MAP, wrap, gl.GL_CLAMP_TO_EDGE)
        gl.glEnable(gl.GL_TEXTURE_CUBE_MAP_SEAMLESS)

    def bind(self, unit: int) -> None:
        gl.glActiveTexture(gl.GL_TEXTURE0 + unit)
        gl.glBindTexture(gl.GL_TEXTURE_CUBE_MAP, self.id)

    def delete(self) -> None:
        gl.glDeleteTextures([self.id])


def copy_texture(src: Texture2D, dst: Texture2D) -> None:
    """Copy level 0 of one single-sampled texture into another of the same size and format
    (a plain memory copy: on llvmpipe several times cheaper than a framebuffer blit)."""
    gl.glCopyImageSubData(src.id, gl.GL_TEXTURE_2D, 0, 0, 0, 0, dst.id, gl.GL_TEXTURE_2D, 0, 0, 0, 0,
                          src.width, src.height, 1)


class Target:
    """A framebuffer with named colour attachments (in draw-buffer order) and a depth buffer.

    Parameters
    ----------
    width, height : int
    colors : list of (name, internal format)
    samples : 0 (single-sampled) or the MSAA sample count
    depth_format : internal format of the depth texture (None: no depth buffer)
    depth_compare : make the depth texture a shadow sampler (comparison, bilinear, lit border)
    color_mipmaps : give the colour textures mip levels (filled by glGenerateMipmap)
    """

    def __init__(self, width: int, height: int, colors: list[tuple[str, int]], *, samples: int = 0,
                 depth_format: int | None = gl.GL_DEPTH_COMPONENT24, depth_compare: bool = False,
                 color_mipmaps: bool = False):
        self.width, self.height, self.samples = width, height, samples
        self.fbo = gl.glGenFramebuffers(1)
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)
        self.textures: dict[str, Texture2D] = {}
        self.index: dict[str, int] = {}
        for i, (name, fmt) in enumerate(colors):
            tex = Texture2D(width, height, fmt, samples=samples, filter_linear=True, mipmaps=color_mipmaps)
            gl.glFramebufferTexture2D(gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0 + i, tex.target, tex.id, 0)
            self.textures[name], self.index[name] = tex, i
        self.depth = None
        if depth_format is not None:
            self.depth = Texture2D(width, height, depth_format, samples=samples,
                                   filter_linear=depth_compare, compare=depth_compare,
                                   border=(1.0, 1.0, 1.0, 1.0) if depth_compare else None)
            gl.glFramebufferTexture2D(gl.GL_FRAMEBUFFER, gl.GL_DEPTH_ATTACHMENT, self.depth.target, self.depth.id, 0)
        if colors:
            gl.glDrawBuffers(len(colors), [gl.GL_COLOR_ATTACHMENT0 + i for i in range(len(colors))])
        else:
            gl.glDrawBuffer(gl.GL_NONE)
            gl.glReadBuffer(gl.GL_NONE)
        status = gl.glCheckFramebufferStatus(gl.GL_FRAMEBUFFER)
        if status != gl.GL_FRAMEBUFFER_COMPLETE:
            raise GLError(f"framebuffer incomplete (status 0x{status:x}) for {colors}, {samples} samples")

    def bind(self) -> None:
        gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self.fbo)
        gl.glViewport(0, 0, self.width, self.height)

    def clear(self, name: str, value) -> None:
        """Clear one colour attachment to ``value`` (4 floats, or 4 uints for integer formats)."""
        i = self.index[name]
        v = np.zeros(4, dtype=np.float32)
        v[: len(value)] = value
        if self.textures[name].internal in (gl.GL_R16UI, gl.GL_R32UI):
            gl.glClearBufferuiv(gl.GL_COLOR, i, v.astype(np.uint32))
        else:
            gl.glClearBufferfv(gl.GL_COLOR, i, v)

    def clear_depth(self, value: float = 1.0) -> None:
        gl.glClearBufferfv(gl.GL_DEPTH, 0, np.full(1, value, dtype=np.float32))

    def read(self, name: str, fmt: int, dtype, channels: int) -> np.ndarray:
        """Read one attachment into a new (H, W[, C]) array (row 0 = first row in memory)."""
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self.fbo)
        gl.glReadBuffer(gl.GL_COLOR_ATTACHMENT0 + self.index[name])
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
        shape = (self.height, self.width) if channels == 1 else (self.height, self.width, channels)
        out = np.empty(shape, dtype=dtype)
        gltype = {np.dtype(np.uint8): gl.GL_UNSIGNED_BYTE, np.dtype(np.uint16): gl.GL_UNSIGNED_SHORT,
                  np.dtype(np.float32): gl.GL_FLOAT}[np.dtype(dtype)]
        gl.glReadPixels(0, 0, self.width, self.height, fmt, gltype, out.ctypes.data_as(ctypes.c_void_p))
        return out

    def read_depth(self) -> np.ndarray:
        """The depth buffer as a new (H, W) float32 array (row 0 = first row in memory)."""
        gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, self.fbo)
        gl.glPixelStorei(gl.GL_PACK_ALIGNMENT, 1)
        out = np.empty((self.height, self.width), dtype=np.float32)
        gl.glReadPixels(0, 0, self.width, self.height, gl.GL_DEPTH_COMPONENT, gl.GL_FLOAT,
                        out.ctypes.data_as(ctypes.c_void_p))
        return out

    def delete(self) -> None:
        for t in self.textures.values():
            t.delete()
        if self.depth is not None:
            self.depth.delete()
        gl.glDeleteFramebuffers(1, [self.fbo])


class Buffer:
    """A GL buffer object (vertex, index, storage or indirect-command data)."""

    def __init__(self, data: np.ndarray | None = None, nbytes: int = 0, usage: int = gl.GL_STATIC_DRAW):
        self.id = gl.glGenBuffers(1)
        self.nbytes = 0
        self.usage = usage
        if data is not None:
            self.upload(data)
        elif nbytes:
            self.upload(np.zeros(nbytes, dtype=np.uint8))

    def upload(self, data: np.ndarray) -> None:
        """Replace the contents (reallocating only when the size grows)."""
        data = np.ascontiguousarray(data)
        gl.glBindBuffer(gl.GL_COPY_WRITE_BUFFER, self.id)
        if data.nbytes > self.nbytes:
            gl.glBufferData(gl.GL_COPY_WRITE_BUFFER, data.nbytes, data, self.usage)
            self.nbytes = data.nbytes
        elif data.nbytes:
            gl.glBufferSubData(gl.GL_COPY_WRITE_BUFFER, 0, data.nbytes, data)

    def bind_storage(self, binding: int) -> None:
        gl.glBindBufferBase(gl.GL_SHADER_STORAGE_BUFFER, binding, self.id)

    def delete(self) -> None:
        gl.glDeleteBuffers(1, [self.id])
