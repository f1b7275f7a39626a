// physreel: every surface pass (colour, ground truth, motion) shares this vertex stage.
// Per-draw records and per-object poses come from storage buffers; the draw record index is an
// instanced attribute read at the draw's base instance, so one multi-draw call draws them all.

layout(location = 0) in vec3 a_position;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in vec2 a_uv;
layout(location = 3) in vec4 a_color;
layout(location = 4) in uint a_draw;
#ifdef DYNAMIC
// Surfaces that deform (skinned people) carry each vertex's world position at the neighbouring
// frames: their motion is per vertex, not the object's.
layout(location = 5) in vec3 a_prev_world;
layout(location = 6) in vec3 a_next_world;
#endif

struct Object {
    mat4 model;       // object -> world at this frame
    mat4 model_prev;  // ... at the previous frame (backward motion)
    mat4 model_next;  // ... at the next frame (forward motion)
};
struct Draw {
    vec4 base_color;  // linear RGB, opacity
    vec4 pbr;         // roughness, metallic, -, -
    uvec4 ids;        // object slot, segmentation id, flags, -
};
layout(std430, binding = 0) readonly buffer Objects { Object objects[]; };
layout(std430, binding = 1) readonly buffer Draws { Draw draws[]; };

uniform mat4 u_view_proj;  // world -> clip (image rows top first)
uniform mat4 u_w2c;        // world -> OpenCV camera (x right, y down, z forward)
#ifdef MOTION_NEXT
uniform mat4 u_next_pix;   // world -> (u, v, 1) * z in the next frame's camera (rows K [R|t])
#endif
#ifdef MOTION_PREV
uniform mat4 u_prev_pix;
#endif

out vec3 v_world;
out vec3 v_normal;        // world frame
out vec2 v_uv;
out vec4 v_color;
// The draw's material, constant over its triangles (reading it here, once per vertex, instead
// of from the storage buffer in every fragment saves a third of the floor's shading cost).
flat out vec4 v_base_color;
flat out vec2 v_pbr;
flat out uint v_id;
#ifdef GROUND_TRUTH
out vec3 v_normal_cam;    // OpenCV camera frame
#endif
#ifdef MOTION_NEXT
out vec3 v_next;
#endif
#if defined(FLOOR_LUT) && N_DIR_SHADOW > 0
// Where the floor point falls in each directional shadow map (texture coordinates, depth):
// an affine function of the position (orthographic light), so interpolating it across the
// floor is exact.
uniform mat4 u_shadow_matrix[N_DIR_SHADOW + N_SPOT_SHADOW];
out vec3 v_light_uvz[N_DIR_SHADOW];
#endif
#ifdef MOTION_PREV
out vec3 v_prev;
#endif

void main()
{
    Draw d = draws[a_draw];
    Object o = objects[d.ids.x];
    vec4 world = o.model * vec4(a_position, 1.0);
    v_world = world.xyz;
    // Poses are rigid (meshes carry their own scale), so the rotation part turns normals.
    v_normal = mat3(o.model) * a_normal;
    v_uv = a_uv;
    v_color = a_color;
    v_base_color = d.base_color;
    v_pbr = d.pbr.xy;
    v_id = d.ids.y;
#ifdef GROUND_TRUTH
    v_normal_cam = mat3(u_w2c) * v_normal;
#endif
#ifdef DYNAMIC
    vec4 next_world = vec4(a_next_world, 1.0);
    vec4 prev_world = vec4(a_prev_world, 1.0);
#else
    vec4 next_world = o.model_next * vec4(a_position, 1.0);
    vec4 prev_world = o.model_prev * vec4(a_position, 1.0);
#endif
#ifdef MOTION_NEXT
    v_next = (u_next_pix * next_world).xyz;
#endif
#ifdef MOTION_PREV
    v_prev = (u_prev_pix * prev_world).xyz;
#endif
#if defined(FLOOR_LUT) && N_DIR_SHADOW > 0
    for (int i = 0; i < N_DIR_SHADOW; i++) {
        vec3 c = (u_shadow_matrix[i] * world).xyz;
        v_light_uvz[i] = vec3(c.xy * 0.5 + 0.5, c.z);
    }
#endif
    gl_Position = u_view_proj * world;
}
