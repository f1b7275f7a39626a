// physreel: one geometry pass writes every requested output of a surface fragment:
//   LOC_COLOR  lit colour (gamma 2.2 encoded, alpha = opacity)
//   LOC_ID     instance id (uint: 0 background, 1 ground, k + 2 object k)
//   LOC_NORMAL unit normal in the OpenCV camera frame (xyz); z-depth comes from the depth buffer
//   LOC_NEXT   motion to the next frame: (dx, dy) pixels, z-depth there, 0
//   LOC_PREV   motion to the previous frame, same layout
// The shading follows the glTF metallic-roughness model (Schlick Fresnel, Smith-Schlick
// visibility, GGX distribution) for directional, point and spot lights, with ambient light.
// Lights that cast shadows come first in their arrays: the shadowed directional lights use
// shadow maps 0 .. N_DIR_SHADOW - 1, the shadowed spot lights the next N_SPOT_SHADOW.

const float PI = 3.141592653589793;

in vec3 v_world;
in vec3 v_normal;
#ifdef BASE_TEXTURE
in vec2 v_uv;
#endif
#ifdef VERTEX_COLOR
in vec4 v_color;
#endif
flat in vec4 v_base_color;  // linear RGB, opacity
flat in vec2 v_pbr;         // roughness, metallic
flat in uint v_id;          // segmentation id
#ifdef GROUND_TRUTH
in vec3 v_normal_cam;
#endif
#ifdef MOTION_NEXT
in vec3 v_next;
#endif
#ifdef MOTION_PREV
in vec3 v_prev;
#endif

#ifdef COLOR
layout(location = LOC_COLOR) out vec4 o_color;
uniform vec3 u_cam_pos;
uniform vec3 u_ambient;
#if N_DIR > 0
uniform vec3 u_dir_direction[N_DIR];   // direction the light travels
uniform vec3 u_dir_radiance[N_DIR];    // linear colour * intensity
#endif
#if N_POINT > 0
uniform vec3 u_point_position[N_POINT];
uniform vec3 u_point_radiance[N_POINT];
#endif
#if N_SPOT > 0
uniform vec3 u_spot_position[N_SPOT];
uniform vec3 u_spot_direction[N_SPOT];
uniform vec3 u_spot_radiance[N_SPOT];
uniform vec2 u_spot_cone[N_SPOT];      // scale, offset of the angular falloff
#endif
#if N_DIR_SHADOW + N_SPOT_SHADOW > 0
uniform sampler2D u_shadow_map[N_DIR_SHADOW + N_SPOT_SHADOW];  // caster depth 0..1, border 1
uniform mat4 u_shadow_matrix[N_DIR_SHADOW + N_SPOT_SHADOW];    // world -> light clip
#endif
#ifdef BASE_TEXTURE
uniform sampler2D u_base_texture;     // sRGB texture, decoded to linear by the sampler
#endif
#ifdef FLOOR_CHECKER
uniform vec3 u_checker_a;             // linear colours of the two squares
uniform vec3 u_checker_b;
uniform float u_checker_size;         // metres per square
#endif
#ifdef FLOOR_LUT
// The floor is flat and the directional lights are fixed, so their reflection depends on the
// view direction only: it is tabulated (physreel.rendering.floor_lighting) over the
// hemisphere, indexed by the stereographic projection of the view direction.
uniform sampler2D u_floor_lut0;        // diffuse factor (rgb) of unshadowed lights, A of light 0
#ifndef FLOOR_LUT_GREY
uniform sampler2D u_floor_lut1;        // specular (rgb) of unshadowed lights, B of light 0
#endif
#if N_DIR_SHADOW > 1
uniform sampler2D u_floor_lut2;        // A1, B1, A2, B2
#endif
#if N_DIR_SHADOW > 0
uniform sampler2D u_shadow_occupancy[N_DIR_SHADOW];  // 1 where a caster covers the map
in vec2 v_occupancy_uv[N_DIR_SHADOW];
#endif
#endif
#endif

#ifdef GROUND_TRUTH
layout(location = LOC_ID) out uint o_id;
layout(location = LOC_NORMAL) out vec4 o_normal;
#endif
#ifdef MOTION_NEXT
layout(location = LOC_NEXT) out vec4 o_next;
#endif
#ifdef MOTION_PREV
layout(location = LOC_PREV) out vec4 o_prev;
#endif

#ifdef COLOR
#if N_DIR_SHADOW + N_SPOT_SHADOW > 0
// Position of v_world in shadow map `slot`: texel coordinates (xy) and depth 0..1 (z).
vec3 shadow_coords(int slot)
{
    vec4 p = u_shadow_matrix[slot] * vec4(v_world, 1.0);
    vec3 c = p.xyz / p.w;
    return vec3((c.xy * 0.5 + 0.5) * vec2(textureSize(u_shadow_map[slot], 0)), c.z);
}

// Fraction of the light reaching v_world past the casters of shadow map `slot` (a constant
// after loop unrolling: indexing samplers by a run-time value is slow on llvmpipe).
float lit_fraction(int slot, float nl)
{
    vec3 c = shadow_coords(slot);
    if (c.z > 1.0) {
        return 1.0;
    }
    // Slope-scaled bias; the shadow map holds back faces only, so it stays small.
    float ref = c.z - max(0.001 * (1.0 - nl), 0.0001);
    ivec2 size = textureSize(u_shadow_map[slot], 0);
    vec2 t = c.xy - 0.5;
    vec2 f = fract(t);
    ivec2 i0 = ivec2(floor(t));
#if SHADOW_TAPS == 1
    // The four comparisons around the point, blended bilinearly.  Outside the map nothing
    // casts a shadow: clamping reaches its lit one-texel border.
    ivec2 lo = clamp(i0, ivec2(0), size - 1);
    ivec2 hi = clamp(i0 + 1, ivec2(0), size - 1);
    vec4 d = vec4(texelFetch(u_shadow_map[slot], lo, 0).r, texelFetch(u_shadow_map[slot], ivec2(hi.x, lo.y), 0).r,
                  texelFetch(u_shadow_map[slot], ivec2(lo.x, hi.y), 0).r, texelFetch(u_shadow_map[slot], hi, 0).r);
    vec4 lit = step(vec4(ref), d);
    return mix(mix(lit.x, lit.y, f.x), mix(lit.z, lit.w, f.x), f.y);
#else
    // 4 x 4 texels with tent weights: the average of 3 x 3 bilinear comparisons (softer).
    float sum = 0.0;
    for (int y = -1; y <= 2; y++) {
        float wy = y == -1 ? 1.0 - f.y : (y == 2 ? f.y : 1.0);
        for (int x = -1; x <= 2; x++) {
            float wx = x == -1 ? 1.0 - f.x : (x == 2 ? f.x : 1.0);
            ivec2 q = clamp(i0 + ivec2(x, y), ivec2(0), size - 1);
            sum += wx * wy * step(ref, texelFetch(u_shadow_map[slot], q, 0).r);
        }
    }
    return sum / 9.0;
#endif
}
#endif

// Linear -> gamma 2.2.  FAST_GAMMA: a least-squares fit on x^(1/2), x^(1/4), x^(1/8) and x,
// within 1/255 of pow(x, 1/2.2) over 0..1 and a third cheaper on llvmpipe.
vec3 encode_gamma(vec3 x)
{
#ifdef FAST_GAMMA
    x = max(x, vec3(0.0));
    vec3 s1 = sqrt(x);
    vec3 s2 = sqrt(s1);
    vec3 s3 = sqrt(s2);
    return 0.86336609 * s1 + 0.21926266 * s2 - 0.0568516 * s3 - 0.02590621 * x;
#else
    return pow(x, vec3(1.0 / 2.2));
#endif
}

// Radiance reflected towards v from one light arriving from direction l.
vec3 brdf(vec3 n, vec3 v, vec3 l, float nv, float gv, float k, float a2, vec3 f0, vec3 c_diff,
          vec3 radiance, out float nl)
{
    vec3 h = normalize(l + v);
    nl = clamp(dot(n, l), 0.001, 1.0);
    float nh = clamp(dot(n, h), 0.0, 1.0);
    float vh = clamp(dot(v, h), 0.0, 1.0);
    float m = 1.0 - vh;
    float m2 = m * m;
    vec3 f = f0 + (1.0 - f0) * (m2 * m2 * m);
    float g = gv * nl / (nl * (1.0 - k) + k);
    float dd = nh * nh * (a2 - 1.0) + 1.0;
    float d = a2 / (PI * dd * dd);
    vec3 diffuse = (1.0 - f) * c_diff / PI;
    vec3 specular = f * (g * d / (4.0 * nl * nv + 0.001));
    return nl * radiance * (diffuse + specular);
}

vec4 shade()
{
    vec4 base = v_base_color;
#ifdef BASE_TEXTURE
    base *= texture(u_base_texture, v_uv);
#endif
#ifdef FLOOR_CHECKER
    // Box-filtered checkerboard: the fraction of the pixel footprint on each colour, so the
    // floor needs no texture lookups and does not alias into moire in the distance.
    vec2 p = v_world.xy / u_checker_size;
    vec2 w = max(fwidth(p), vec2(1e-4));
    vec2 i = 2.0 * (abs(fract((p - 0.5 * w) * 0.5) - 0.5) - abs(fract((p + 0.5 * w) * 0.5) - 0.5)) / w;
    base.rgb *= mix(u_checker_a, u_checker_b, 0.5 + 0.5 * i.x * i.y);
#endif
    vec3 v = normalize(u_cam_pos - v_world);
    vec3 color = base.rgb * u_ambient;
#ifdef FLOOR_LUT
    vec2 lut_uv = v.xy / (1.0 + v.z) * 0.5 + 0.5;
#ifdef FLOOR_LUT_GREY
    // white unshadowed lights: (diffuse sum, specular sum, A0, B0) in one lookup
    vec4 lut0 = texture(u_floor_lut0, lut_uv);
    vec4 lut1 = vec4(0.0, 0.0, 0.0, lut0.a);
    lut0.a = lut0.b;
    vec3 diffuse = vec3(lut0.r);
    vec3 specular = vec3(lut0.g);
#else
    vec4 lut0 = texture(u_floor_lut0, lut_uv);
    vec4 lut1 = texture(u_floor_lut1, lut_uv);
    vec3 diffuse = lut0.rgb;
    vec3 specular = lut1.rgb;
#endif
#if N_DIR_SHADOW > 0
    // The floor is below every caster: it is shadowed wherever the map holds one.
    float lit0 = 1.0 - texture(u_shadow_occupancy[0], v_occupancy_uv[0]).r;
    diffuse += lit0 * lut0.a * u_dir_radiance[0];
    specular += lit0 * lut1.a * u_dir_radiance[0];
#endif
#if N_DIR_SHADOW > 1
    vec4 lut2 = texture(u_floor_lut2, lut_uv);
    float lit1 = 1.0 - texture(u_shadow_occupancy[1], v_occupancy_uv[1]).r;
    diffuse += lit1 * lut2.x * u_dir_radiance[1];
    specular += lit1 * lut2.y * u_dir_radiance[1];
#endif
#if N_DIR_SHADOW > 2
    float lit2 = 1.0 - texture(u_shadow_occupancy[2], v_occupancy_uv[2]).r;
    diffuse += lit2 * lut2.z * u_dir_radiance[2];
    specular += lit2 * lut2.w * u_dir_radiance[2];
#endif
    color += base.rgb * diffuse + specular;
#endif
#ifdef FLOOR
    vec3 n = vec3(0.0, 0.0, 1.0);
#else
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) {
        n = -n;
    }
#endif
    float roughness = clamp(v_pbr.x, 0.04, 1.0);
    float metallic = clamp(v_pbr.y, 0.0, 1.0);
    vec3 c_diff = base.rgb * (1.0 - 0.04) * (1.0 - metallic);
    vec3 f0 = mix(vec3(0.04), base.rgb, metallic);
    float a = roughness * roughness;
    float a2 = a * a;
    float k = (roughness + 1.0) * (roughness + 1.0) / 8.0;
    float nv = clamp(abs(dot(n, v)), 0.001, 1.0);
    float gv = nv / (nv * (1.0 - k) + k);
    float nl;
#if N_DIR > 0 && !defined(FLOOR_LUT)
    for (int i = 0; i < N_DIR; i++) {
        vec3 c = brdf(n, v, -u_dir_direction[i], nv, gv, k, a2, f0, c_diff, u_dir_radiance[i], nl);
#if N_DIR_SHADOW > 0
        if (i < N_DIR_SHADOW) {
            c *= lit_fraction(i, nl);
        }
#endif
        color += c;
    }
#endif
#if N_POINT > 0
    for (int i = 0; i < N_POINT; i++) {
        vec3 d = u_point_position[i] - v_world;
        float dist2 = dot(d, d);
        color += brdf(n, v, d * inversesqrt(dist2), nv, gv, k, a2, f0, c_diff,
                      u_point_radiance[i] / dist2, nl);
    }
#endif
#if N_SPOT > 0
    for (int i = 0; i < N_SPOT; i++) {
        vec3 d = u_spot_position[i] - v_world;
        float dist2 = dot(d, d);
        vec3 l = d * inversesqrt(dist2);
        float cd = clamp(dot(u_spot_direction[i], -l), 0.0, 1.0);
        float att = clamp(cd * u_spot_cone[i].x + u_spot_cone[i].y, 0.0, 1.0);
        vec3 c = brdf(n, v, l, nv, gv, k, a2, f0, c_diff, u_spot_radiance[i] * (att * att / dist2), nl);
#if N_SPOT_SHADOW > 0
        if (i < N_SPOT_SHADOW) {
            c *= lit_fraction(N_DIR_SHADOW + i, nl);
        }
#endif
        color += c;
    }
#endif
    vec4 rgba = vec4(color, base.a);
#ifdef VERTEX_COLOR
    rgba *= v_color;
#endif
    return clamp(vec4(encode_gamma(rgba.rgb), rgba.a), 0.0, 1.0);
}
#endif

void main()
{
#ifdef COLOR
    o_color = shade();
#endif
#ifdef GROUND_TRUTH
    o_id = v_id;
    vec3 nc = normalize(v_normal_cam);
    o_normal = vec4(gl_FrontFacing ? nc : -nc, 0.0);
#endif
    // gl_FragCoord.xy is the pixel centre (u + 0.5, v + 0.5): rows are rendered top first.
#ifdef MOTION_NEXT
    o_next = vec4(v_next.z > 1e-6 ? v_next.xy / v_next.z - gl_FragCoord.xy : vec2(0.0), v_next.z, 0.0);
#endif
#ifdef MOTION_PREV
    o_prev = vec4(v_prev.z > 1e-6 ? v_prev.xy / v_prev.z - gl_FragCoord.xy : vec2(0.0), v_prev.z, 0.0);
#endif
}
