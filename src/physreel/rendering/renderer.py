"""The offscreen renderer: meshes uploaded once, one geometry pass per frame for every output.

A frame is drawn in up to four GL passes:

1. shadow maps of the lights that cast shadows (colour only; shadow casters are the objects,
   the floor casts no shadow),
2. the geometry pass: one draw of the scene writing, into several render targets at once, the
   lit colour, the instance id, the camera-frame normal and z-depth, and the motion of each
   surface point to the next and the previous frame (exact, from the poses of those frames),
3. the background (pixels no surface covers): sky colour, and the motion of points at
   infinity -- after the opaque surfaces and before the transparent ones, which blend over it,
4. anti-aliasing of the colour image (:mod:`physreel.rendering.looks`).

The images are rendered with rows top first (the projection flips y), so ``gl_FragCoord`` is
the OpenCV pixel centre ``(u + 0.5, v + 0.5)`` and read-backs need no flip.  Depth is reversed
(1 at the near plane, 0 at infinity) in a float buffer, which keeps objects resting on a floor
from z-fighting with it.  Look tiers with multisampling draw the colour in a pass of its own:
ground truth is never multisampled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..assembly import Assembly
from ..colors import linear_to_srgb
from ..physics.trajectory import Trajectory
from .antialias import PostAA
from .ao import AmbientOcclusion
from .camera import CameraFrame
from .dof import DepthOfField, Lens
from .holders import find_holders, holder_poses, holder_present, holder_surface
from .lights import default_lights
from .looks import get_look
from .motion_blur import Shutter
from .projections import NEAR, FrameProjections
from .shading import ColorShading
from .surfaces import floor_surface, object_surfaces, skin_surface, vertex_normals
from .tonemap import exposure_scale

__all__ = ["Motion", "SceneRenderer", "default_lights"]


# Attachments of the geometry pass: name -> GLSL define of its location
_ATTACHMENTS = {"color": "LOC_COLOR", "id": "LOC_ID", "normal": "LOC_NORMAL", "next": "LOC_NEXT",
                "prev": "LOC_PREV"}


@dataclass(frozen=True)
class Motion:
    """Where every pixel's surface point is in another frame (exact, from that frame's poses and
    camera).

    Attributes
    ----------
    flow : (H, W, 2) float32, pixels
        ``(dx, dy)`` from the pixel centre to the point's position in the other frame (0 where
        it is behind that camera).  Background pixels move as points at infinity (camera
        rotation only).
    depth : (H, W) float32, metres
        The point's z-depth in the other camera (<= 0: behind it; background: the homogeneous
        depth of its direction).
    """

    flow: np.ndarray
    depth: np.ndarray


class SceneRenderer:
    """Renders the bodies of a simulation at given poses through given cameras.

    Parameters
    ----------
    assembly : Assembly
        The built scene: every object's meshes and look.
    trajectory : Trajectory
        The bodies to draw (``trajectory.names``, the order of the pose arrays; body ``i`` gets
        segmentation id ``i + 2``); bodies created during the simulation (fracture pieces) take
        their geometry from ``trajectory.extra_geometry`` and the look of the object they came
        from.  A person with a skin is drawn as the skin, deformed for every frame (its
        physics parts draw nothing).
    width, height : int
        Image size in pixels.
    focus : (centre (3,), radius) or None
        Region where things happen (its size bounds spot lights' shadow depth ranges).
    """

    def __init__(self, assembly: Assembly, trajectory: Trajectory, width: int, height: int,
                 focus: tuple[np.ndarray, float] | None = None):
        from .gl import context

        self.ctx = context()
        from .gpu_scene import GpuScene

        scene = assembly.scene
        self.width, self.height = width, height
        self.names = list(trajectory.names)
        self.n = len(self.names)
        self.look = get_look(scene.render.look, scene.render.antialias)
        from .people import skin_tracks

        self.skins = {self.names.index(name): track for name, track in skin_tracks(assembly, trajectory).items()}
        surfaces = []
        for i, name in enumerate(self.names):
            built = assembly[trajectory.root_of(name)]
            if i in self.skins:
                surfaces.append(skin_surface(self.skins[i].skin, built.look, i, i + 2))
                continue
            geom = trajectory.extra_geometry.get(name) or assembly[name].geometry
            surfaces += object_surfaces(geom, built.look, i, i + 2)
        # what holds things (joints' strings and rods): slots after the bodies, before the floor
        self.holders = find_holders(assembly, trajectory)
        for k, h in enumerate(self.holders):
            surfaces.append(holder_surface(self.n + k, h.seg_id))
        self.floor_slot = self.n + len(self.holders)
        g = assembly.ground
        if g is not None:
            surfaces.append(floor_surface(g.size, slot=self.floor_slot))
        radius = focus[1] if focus is not None else 2.0
        self.shading = ColorShading(scene, g, float(max(radius * 2.0, 1.0)), exposure_scale(scene.render.exposure))
        if self.shading.plain_floor is not None:
            surfaces[-1].base_color[:3] = self.shading.plain_floor
        self.rig = self.shading.rig
        # bounding sphere of each object (object frame), for fitting shadow maps to the casters
        self._bound_centre = np.zeros((self.n, 3))
        self._bound_radius = np.zeros(self.n)
        for i in range(self.n):
            parts = [s.positions for s in surfaces if s.slot == i]
            if not parts:  # nothing to draw (radius 0: neither casts nor needs anti-aliasing)
                continue
            pts = np.concatenate(parts).astype(np.float64)
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            self._bound_centre[i] = (lo + hi) / 2.0
            self._bound_radius[i] = np.linalg.norm(pts - self._bound_centre[i], axis=1).max()
        sky = self.shading.sky
        # a flat sky is the cleared colour, exactly the sRGB value asked for
        self.flat_sky = None if sky.kind != "color" else \
            np.array([*(np.round(linear_to_srgb(sky.horizon) * 255.0) / 255.0), 1.0], dtype=np.float32)
        self.scene = GpuScene([s for s in surfaces if not s.dynamic], self.floor_slot + 1)
        dynamic = [s for s in surfaces if s.dynamic]
        self.dynamic = GpuScene(dynamic, self.floor_slot + 1, dynamic=True) if dynamic else None
        self.floor_half = g.size / 2.0 if g is not None else None
        self.post_aa = PostAA(self.ctx)
        self.soft_shadows = scene.render.shadows == "soft"
        self.transparent_casters = any(g.blend for sc in (self.scene, self.dynamic) if sc is not None for g in sc.groups)
        self.blur = None  # the motion-blur accumulator, made on first use
        self._lens = None  # the depth-of-field pass of the last lens
        self.ao = AmbientOcclusion(self.ctx, width, height, self.look.ao_samples) if self.look.ao_samples else None
        self._sky_key = self._sky_last = None  # the cached sky's camera, the last camera seen

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> SceneRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Free this scene's buffers and textures (the GL context and its shaders stay)."""
        if getattr(self, "scene", None) is not None:

            self.ctx.make_current()
            self.scene.delete()
            if self.dynamic is not None:
                self.dynamic.delete()
            self.shading.delete()
            self.post_aa.delete()
            if self.blur is not None:
                self.blur.delete()
            if self._lens is not None:
                self._lens.delete()
            self.scene = None

    # ------------------------------------------------------------------ per frame
    def render(self, cam: CameraFrame, poses: np.ndarray, present: np.ndarray | None, outputs: set[str], *,
               prev: tuple[CameraFrame, np.ndarray] | None = None,
               next_: tuple[CameraFrame, np.ndarray] | None = None,
               frame: int | None = None, shutter: Shutter | None = None,
               lens: Lens | None = None) -> dict[str, np.ndarray]:
        """Render one frame.

        Parameters
        ----------
        cam : the camera at this frame
        poses : (N, 4, 4) float object -> world; present : (N,) bool or None (all present)
        outputs : any of ``rgb``, ``gt``, ``motion_next``, ``motion_prev``
        prev, next_ : (camera, poses (N, 4, 4)) of the previous / next frame, needed for the
            motion outputs
        frame : the Trajectory frame (needed to deform skinned people; their neighbours are
            ``frame - 1`` and ``frame + 1``; and for motion blur)
        shutter : expose the colour image over the shutter around ``frame``
            (:class:`~physreel.rendering.motion_blur.Shutter`); None: sharp
        lens : depth of field of the colour image (:class:`~physreel.rendering.dof.Lens`);
            None: everything sharp

        Returns
        -------
        dict with, as requested:
            rgb : (H, W, 3) uint8 sRGB, C-contiguous
            depth : (H, W) float32 metres, z-depth along the camera axis; 0 = background
            segmentation : (H, W) uint16 (0 background, 1 ground, k + 2 object k)
            normals : (H, W, 3) float32 unit normals in the OpenCV camera frame; 0 background
            motion_next, motion_prev : :class:`Motion` to the next / previous frame
            rgb_sharp : the colour image before motion blur and depth of field, when either
                changed it (controls such as canny are made from it: they stay sharp)
        """
        from .glutil import gl

        self.ctx.make_current()
        index = frame
        model, live = self._slots(poses, present, frame)
        models_prev = self._slots(prev[1])[0] if prev is not None and "motion_prev" in outputs else None
        models_next = self._slots(next_[1])[0] if next_ is not None and "motion_next" in outputs else None
        self.scene.set_poses(model, models_prev, models_next, live)
        if self.dynamic is not None:
            self.dynamic.set_poses(model, models_prev, models_next, live)
            self._deform(model, frame, models_prev is not None, models_next is not None)
        self.scene.bind()
        self.ctx.clip_control(gl.GL_LOWER_LEFT, gl.GL_ZERO_TO_ONE)
        gl.glEnable(gl.GL_DEPTH_TEST)
        gl.glDisable(gl.GL_BLEND)
        want_rgb = "rgb" in outputs
        # bounding spheres of the objects present (world): shadow-map fit and anti-aliasing
        bounds = self._bounds(model, live)
        shadow_maps = self._shadow_maps(*bounds) if want_rgb else []
        frame = FrameProjections(cam, prev[0] if prev is not None else None, next_[0] if next_ is not None else None)
        if want_rgb and self.ao is not None:
            opaque = [(sc, g) for sc, g in self._draw_list(None, None, False) if not g.blend]
            self.ao.run(opaque, frame.view_proj, cam)
            self.scene.bind()
        gt = "gt" in outputs
        layout = [a for a, on in (("color", want_rgb and not self.look.msaa), ("id", gt), ("normal", gt),
                                  ("next", "motion_next" in outputs),
                                  ("prev", "motion_prev" in outputs)) if on]
        result: dict[str, np.ndarray] = {}
        dof = self._dof(lens) if want_rgb else None
        if dof is not None and self.look.msaa and self.ao is None:  # a depth of its own
            self.ao = AmbientOcclusion(self.ctx, self.width, self.height, 0)
            self.ao.run([(sc, g) for sc, g in self._draw_list(None, None, False) if not g.blend], frame.view_proj, cam)
            self.scene.bind()
        if dof is not None and self.look.msaa:
            dof.keep_depth(self.ao.depth_texture)
        if want_rgb and self.look.msaa:
            color = self._geometry_pass(["color"], frame, shadow_maps, model, self.look.msaa)
            resolved = self._target("resolved", [("color", gl.GL_RGBA8)])
            gl.glBindFramebuffer(gl.GL_READ_FRAMEBUFFER, color.fbo)
            gl.glBindFramebuffer(gl.GL_DRAW_FRAMEBUFFER, resolved.fbo)
            gl.glBlitFramebuffer(0, 0, self.width, self.height, 0, 0, self.width, self.height,
                                 gl.GL_COLOR_BUFFER_BIT, gl.GL_NEAREST)
            result["rgb"] = resolved.read("color", gl.GL_RGB, np.uint8, 3)
        if layout:
            target = self._geometry_pass(layout, frame, shadow_maps, model, 0)
            if dof is not None and "color" in layout:
                dof.keep_depth(target.depth)
            if "color" in layout:
                result["rgb"] = self.post_aa.run(target, target.depth, cam, *bounds, self.floor_half) \
                    if self.look.post_aa else target.read("color", gl.GL_RGB, np.uint8, 3)
                self.scene.bind()
            # Read-backs land in the final arrays (channel subsets are read directly, not copied).
            if gt:
                result["segmentation"] = target.read("id", gl.GL_RED_INTEGER, np.uint16, 1)
                result["normals"] = target.read("normal", gl.GL_RGB, np.float32, 3)
                result["depth"] = self._z_depth(target)
            for a in ("next", "prev"):
                if a in layout:
                    result[f"motion_{a}"] = Motion(target.read(a, gl.GL_RG, np.float32, 2),
                                                   target.read(a, gl.GL_BLUE, np.float32, 1))
        sharp = result.get("rgb")
        if want_rgb and shutter is not None and index is not None:
            result["rgb"] = self._expose(result["rgb"], shutter, index)
        if dof is not None:
            result["rgb"] = dof.run(result["rgb"], cam)
        if want_rgb and result["rgb"] is not sharp:
            result["rgb_sharp"] = sharp  # what controls made from the colour image see
        return result

    def _dof(self, lens: Lens | None) -> DepthOfField | None:
        """The depth-of-field pass of ``lens`` (made on first use, one per lens)."""
        if lens is None:
            return None
        if self._lens is None or self._lens.lens != lens:
            if self._lens is not None:
                self._lens.delete()
            self._lens = DepthOfField(self.ctx, self.width, self.height, lens, *self.look.dof)
        return self._lens

    def _expose(self, sharp: np.ndarray, shutter: Shutter, f: int) -> np.ndarray:
        """The colour image of frame ``f`` exposed over the shutter (see motion_blur): the
        samples are drawn without anti-aliasing, under one shadow-map fit covering the
        casters over the whole shutter."""
        from .glutil import gl
        from .motion_blur import Accumulator

        offsets = shutter.offsets(f, self._bound_centre, self._bound_radius, self.look.blur_pixels, self.look.blur_max)
        if len(offsets) == 1:
            return sharp
        if self.blur is None:
            self.blur = Accumulator(self.ctx, self.width, self.height)
        self.blur.begin(sharp)
        samples = []
        for o in offsets:
            cam, poses, present = shutter.at(f, o)
            samples.append((cam, *self._slots(poses, present, f)))
        bounds = [self._bounds(model, live) for _, model, live in samples]
        centres = np.concatenate([b[0] for b in bounds])
        radii = np.concatenate([b[1] for b in bounds])
        for k, (cam, model, live) in enumerate(samples):
            self.scene.set_poses(model, None, None, live)
            if self.dynamic is not None:
                self.dynamic.set_poses(model, None, None, live)
                self._deform(model, int(np.clip(round(f + offsets[k]), 0, shutter.traj.num_frames - 1)), False, False)
            self.scene.bind()
            self.ctx.clip_control(gl.GL_LOWER_LEFT, gl.GL_ZERO_TO_ONE)
            gl.glEnable(gl.GL_DEPTH_TEST)
            gl.glDisable(gl.GL_BLEND)
            maps = self._shadow_maps(centres, radii)
            target = self._geometry_pass(["color"], FrameProjections(cam, None, None), maps, model, 0)
            self.blur.add(target.textures["color"], 1.0 / len(offsets), middle=k == len(offsets) // 2)
            self.scene.bind()
        return self.blur.finish()

    # ------------------------------------------------------------------ passes
    def _target(self, name: str, colors: list[tuple[str, int]], samples: int = 0):
        from .glutil import Target, gl

        key = (name, self.width, self.height, tuple(colors), samples)
        depth_format = gl.GL_DEPTH_COMPONENT32F
        return self.ctx.target(key, lambda: Target(self.width, self.height, colors, samples=samples,
                                                   depth_format=depth_format))

    @staticmethod
    def _z_depth(target) -> np.ndarray:
        """(H, W) float32 z-depth in metres from the depth buffer (0 = background).

        The buffer holds ``near / z`` (reversed, infinite far plane) in float32, interpolated
        exactly across each (planar) triangle, so ``near / value`` is the z-depth to float32
        rounding -- one division instead of a render target of its own.
        """

        d = target.read_depth()
        with np.errstate(divide="ignore"):
            z = np.float32(NEAR) / d
        z[d <= 0] = 0.0
        return z

    def _formats(self, layout: list[str]) -> list[tuple[str, int]]:
        from .glutil import gl

        fmt = {"color": gl.GL_RGBA8, "id": gl.GL_R16UI, "normal": gl.GL_RGBA32F, "next": gl.GL_RGBA32F,
               "prev": gl.GL_RGBA32F}
        return [(a, fmt[a]) for a in layout]

    def _deform(self, model: np.ndarray, frame: int | None, prev: bool, next_: bool) -> None:
        """Skin every person for ``frame`` (their vertices in their object frame, and the world
        positions of the vertices at the neighbouring frames for the motion outputs)."""
        if frame is None:
            raise ValueError("SceneRenderer.render needs frame= to draw skinned people")
        for slot, track in self.skins.items():
            verts, normals = track.local(frame, model[slot])
            if normals is None:
                normals = vertex_normals(verts, np.asarray(track.skin.faces))
            last = track.positions.shape[0] - 1
            self.dynamic.set_vertices(slot, verts, normals,
                                      track.world(max(frame - 1, 0)) if prev else None,
                                      track.world(min(frame + 1, last)) if next_ else None)
            lo, hi = verts.min(axis=0), verts.max(axis=0)
            self._bound_centre[slot] = (lo + hi) / 2.0
            self._bound_radius[slot] = np.linalg.norm(verts - self._bound_centre[slot], axis=1).max()
        self.dynamic.upload_vertices()

    def _draw_list(self, cam: CameraFrame, model: np.ndarray, sort_blended: bool) -> list:
        """(scene, group) pairs in drawing order: opaque objects, then the floor (whose pixels
        hidden by objects then fail the depth test before shading), then blended surfaces
        (farthest first when ``sort_blended``)."""
        scenes = [sc for sc in (self.scene, self.dynamic) if sc is not None]
        out = [(sc, g) for sc in scenes for g in sc.groups if not g.blend and not g.floor]
        out += [(sc, g) for sc in scenes for g in sc.groups if g.floor]
        blended = [(sc, g) for sc in scenes for g in (sc.blend_order(cam.position, model) if sort_blended else
                                                      [g for g in sc.groups if g.blend])]
        if sort_blended and len(blended) > 1:
            dist = [np.linalg.norm(model[sc.slots[g.first], :3, 3] - cam.position) for sc, g in blended]
            blended = [blended[i] for i in np.argsort(dist, kind="stable")[::-1]]
        return out + blended

    def _slots(self, poses: np.ndarray, present: np.ndarray | None = None,
               frame: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Poses (S, 4, 4) and presence (S,) of every drawing slot -- the bodies, the holders
        (posed between their ends), the floor -- from the bodies' poses (N, 4, 4) and presence."""
        n = self.n
        poses = np.asarray(poses, dtype=np.float64).reshape(n, 4, 4)
        parts = [poses, holder_poses(self.holders, poses), np.eye(4)[None]] if self.holders else [poses, np.eye(4)[None]]
        live = np.ones(self.floor_slot + 1, dtype=bool)
        if present is not None:
            live[:n] = present
        if self.holders:
            live[n:self.floor_slot] = holder_present(self.holders, live[:n], frame)
        return np.concatenate(parts), live

    def _bounds(self, model: np.ndarray, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World centres (M, 3) and radii (M,) of the bounding spheres of the bodies and
        holders present (slot poses and presence from :meth:`_slots`)."""
        n, s = self.n, self.floor_slot
        centres = np.einsum("nij,nj->ni", model[:n, :3, :3], self._bound_centre) + model[:n, :3, 3]
        radii = self._bound_radius.copy()
        if self.holders:  # a holder's frame maps the unit cylinder onto it
            ends = model[n:s, :3, 3] + model[n:s, :3, 2]
            centres = np.concatenate([centres, (model[n:s, :3, 3] + ends) / 2.0])
            radii = np.concatenate([radii, np.linalg.norm(model[n:s, :3, 2], axis=1) / 2.0
                                    + np.array([h.radius for h in self.holders])])
        keep = live[:s] & (radii > 0)
        return centres[keep], radii[keep]

    def _shadow_maps(self, centres: np.ndarray, radii: np.ndarray) -> list:
        """The shadow maps of this frame, fitted to the casters' bounding spheres."""
        from .shadows import render_shadow_maps, shadow_matrices

        size = self.look.shadow_size(self.width, self.height)
        casters = [(sc, g) for sc, g in self._draw_list(None, None, False) if not g.floor]
        return render_shadow_maps(self.ctx, [c for c in casters if not c[1].blend], [c for c in casters if c[1].blend],
                                  shadow_matrices(self.rig, centres, radii, size), size, self.soft_shadows)

    def _geometry_pass(self, layout: list[str], frame: FrameProjections, shadow_maps: list, model: np.ndarray,
                       samples: int):
        from .glutil import gl

        target = self._target("geometry", self._formats(layout), samples)
        color = "color" in layout
        # A still camera sees the same sky every frame: it is drawn once and copied.
        sky_copy = color and self.flat_sky is None and not samples and self._sky_is_cached(frame.cam)
        if sky_copy:
            self._copy_sky(target, layout.index("color"))
        target.bind()
        for a in layout:
            if a != "color" or not sky_copy:
                target.clear(a, (self.flat_sky if self.flat_sky is not None else (0.0, 0.0, 0.0, 1.0))
                             if a == "color" else (0.0, 0.0, 0.0, 0.0))
        gl.glClearBufferfv(gl.GL_DEPTH, 0, np.zeros(1, dtype=np.float32))  # reversed depth: 0 = far
        gl.glDepthFunc(gl.GL_GREATER)
        gl.glFrontFace(gl.GL_CW)  # rows are flipped, so counter-clockwise faces appear clockwise
        defines = {_ATTACHMENTS[a]: i for i, a in enumerate(layout)}
        if color:
            defines.update(COLOR=1, SHADOW_TAPS=self.look.shadow_taps, **self.rig.counts(),
                           **self.shading.surface_defines())
            if self.soft_shadows:
                defines["SHADOW_SOFT"] = 1
            if self.transparent_casters:
                defines["SHADOW_TINT"] = 1
            if self.ao is not None:
                defines["AMBIENT_OCCLUSION"] = 1
        if "id" in layout:
            defines["GROUND_TRUTH"] = 1
        if "next" in layout:
            defines["MOTION_NEXT"] = 1
        if "prev" in layout:
            defines["MOTION_PREV"] = 1
        background = "next" in layout or "prev" in layout or (color and self.flat_sky is None and not sky_copy)
        current = bound = None
        for sc, g in self._draw_list(frame.cam, model, color):
            if g.blend and background:
                # the sky goes in before the first transparent surface, so glass in front of
                # the sky shows the sky (not the cleared black); ground truth is unaffected:
                # the transparent surface overwrites the background's ids and motion
                self._background(layout, defines, frame, sky=not sky_copy)
                gl.glDepthFunc(gl.GL_GREATER)
                background, current, bound = False, None, None
            if sc is not bound:
                bound = sc
                sc.bind()
            d = dict(defines)
            if sc.dynamic:
                d["DYNAMIC"] = 1
            if color and g.floor:
                d.update(self.shading.floor_defines())
            if color and g.texture is not None:
                d["BASE_TEXTURE"] = 1
            if color and g.vertex_color:
                d["VERTEX_COLOR"] = 1
            if color and g.blend:
                d["TRANSPARENT"] = 1
            prog = self.ctx.program("surface.vert", "surface.frag", d)
            if prog is not current:
                current = prog.use()
                self._uniforms(prog, frame, shadow_maps)
            if g.texture is not None:
                g.texture.bind(0)
                prog.int("u_base_texture", 0)
            if g.double_sided:
                gl.glDisable(gl.GL_CULL_FACE)
            else:
                gl.glEnable(gl.GL_CULL_FACE)
            if g.blend and color:
                self._draw_transparent(sc, g, prog, layout, defines["LOC_COLOR"])
            else:
                sc.draw(g)
        if background:
            self._background(layout, defines, frame, sky=not sky_copy)
        return target

    def _sky_is_cached(self, cam: CameraFrame) -> bool:
        """Whether the sky image of camera ``cam`` is cached (drawing it when the camera is the
        same as last frame's: a camera that moves draws its sky behind the surfaces only)."""
        key = (cam.K.tobytes(), cam.world_to_camera.tobytes())
        if self._sky_key == key:
            return True
        if self._sky_last != key:
            self._sky_last = key
            return False
        from .glutil import Target, gl

        sky = self._target("sky", [("color", gl.GL_RGBA8)])
        sky.bind()
        gl.glDisable(gl.GL_DEPTH_TEST)
        prog = self.ctx.program("screen.vert", "background.frag",
                                {"LOC_COLOR": 0, "COLOR": 1, **self.shading.sky_defines()}).use()
        self.shading.sky_uniforms(prog, cam, 0)
        self.ctx.draw_screen()
        gl.glEnable(gl.GL_DEPTH_TEST)
        self._sky_key = key
        del Target
        return True

    def _copy_sky(self, target, index: int) -> None:
        from .glutil import copy_texture, gl

        sky = self._target("sky", [("color", gl.GL_RGBA8)])
        copy_texture(sky.textures["color"], target.textures["color"])

    def _draw_transparent(self, sc, g, prog, layout: list[str], loc_color: int) -> None:
        """A transparent group in two passes over the encoded image (see glsl/surface.frag): the
        first multiplies what is behind and writes depth and ground truth, the second adds the
        surface's own light where the first left its depth."""
        from .glutil import gl

        gl.glEnablei(gl.GL_BLEND, loc_color)
        gl.glBlendFunci(loc_color, gl.GL_ZERO, gl.GL_SRC_COLOR)
        prog.int("u_blend_pass", 1)
        sc.draw(g)
        gl.glBlendFunci(loc_color, gl.GL_ONE, gl.GL_ONE)
        gl.glDepthFunc(gl.GL_EQUAL)
        gl.glDepthMask(gl.GL_FALSE)
        for i in range(len(layout)):
            if i != loc_color:
                gl.glColorMaski(i, gl.GL_FALSE, gl.GL_FALSE, gl.GL_FALSE, gl.GL_FALSE)
        prog.int("u_blend_pass", 2)
        sc.draw(g)
        for i in range(len(layout)):
            gl.glColorMaski(i, gl.GL_TRUE, gl.GL_TRUE, gl.GL_TRUE, gl.GL_TRUE)
        gl.glDepthMask(gl.GL_TRUE)
        gl.glDepthFunc(gl.GL_GREATER)
        gl.glDisablei(gl.GL_BLEND, loc_color)

    def _background(self, layout: list[str], defines: dict, frame: FrameProjections, sky: bool = True) -> None:
        """Where no surface was drawn: the sky (unless it is the flat, cleared colour, or was
        copied: ``sky`` False) and the background's ground truth and motion."""
        from .glutil import gl

        d = {k: v for k, v in defines.items() if k.startswith(("LOC_", "GROUND", "MOTION"))}
        if "color" in layout and sky and (self.flat_sky is None or len(layout) > 1):
            d["COLOR"] = 1
            d.update(self.shading.sky_defines())
        if "color" in layout and "COLOR" not in d:
            gl.glColorMaski(defines["LOC_COLOR"], gl.GL_FALSE, gl.GL_FALSE, gl.GL_FALSE, gl.GL_FALSE)
        prog = self.ctx.program("screen.vert", "background.frag", d).use()
        if "COLOR" in d:
            self.shading.sky_uniforms(prog, frame.cam, 0)
        if frame.next_ is not None:
            prog.mat3("u_next_homography", frame.homography(frame.next_))
        if frame.prev is not None:
            prog.mat3("u_prev_homography", frame.homography(frame.prev))
        gl.glDepthFunc(gl.GL_GEQUAL)
        gl.glDepthMask(gl.GL_FALSE)
        self.ctx.draw_screen()
        gl.glDepthMask(gl.GL_TRUE)
        if "color" in layout:
            gl.glColorMaski(defines["LOC_COLOR"], gl.GL_TRUE, gl.GL_TRUE, gl.GL_TRUE, gl.GL_TRUE)
        self.scene.bind()

    def _uniforms(self, prog, frame: FrameProjections, shadow_maps: list) -> None:
        prog.mat4("u_view_proj", frame.view_proj)
        prog.mat4("u_w2c", frame.cam.world_to_camera)
        if frame.next_ is not None:
            prog.mat4("u_next_pix", frame.pixel_projection(frame.next_))
        if frame.prev is not None:
            prog.mat4("u_prev_pix", frame.pixel_projection(frame.prev))
        if prog.loc("u_cam_pos") < 0:
            return
        rig = self.rig
        prog.vec("u_cam_pos", frame.cam.position)
        for name in ("dir_direction", "dir_radiance", "point_position", "point_radiance", "spot_position",
                     "spot_direction", "spot_radiance"):
            values = getattr(rig, name)
            if values:
                _vec3_array(prog, f"u_{name}", values)
        for i, (sc, o) in enumerate(rig.spot_cone):
            prog.vec(f"u_spot_cone[{i}]", (sc, o))
        unit = 1
        for slot, (depth, _, matrix, penumbra) in enumerate(shadow_maps):
            depth.bind(unit)
            prog.int(f"u_shadow_map[{slot}]", unit)
            prog.mat4(f"u_shadow_matrix[{slot}]", matrix)
            prog.vec(f"u_penumbra[{slot}]", penumbra)
            unit += 1
        if prog.loc("u_floor_lut0") >= 0:
            for slot in range(rig.n_dir_shadow):
                shadow_maps[slot][1].bind(unit)
                prog.int(f"u_shadow_light[{slot}]", unit)
                unit += 1
        if self.ao is not None and prog.loc("u_ao") >= 0:
            self.ao.texture.bind(unit)
            prog.int("u_ao", unit)
            unit += 1
        self.shading.surface_uniforms(prog, unit)


def _vec3_array(prog, name: str, values) -> None:
    from .glutil import gl

    loc = prog.loc(f"{name}[0]")
    if loc >= 0:
        a = np.ascontiguousarray(np.asarray(values, dtype=np.float32).reshape(-1, 3))
        gl.glUniform3fv(loc, len(a), a)
