// physreel: one geometry pass writes every requested output of a surface fragment:
//   LOC_COLOR  the colour image: lit, hazed, tone-mapped and sRGB-encoded (alpha = opacity)
//   LOC_ID     instance id (uint: 0 background, 1 ground, k + 2 object k)
//   LOC_NORMAL unit normal in the OpenCV camera frame (xyz); z-depth comes from the depth buffer
//   LOC_NEXT   motion to the next frame: (dx, dy) pixels, z-depth there, 0
//   LOC_PREV   motion to the previous frame, same layout
// The shading follows the glTF metallic-roughness model (Schlick Fresnel, Smith-Schlick
// visibility, GGX distribution) for directional, point and spot lights, plus the light of the
// sky (physreel.rendering.environment): diffuse from 9 spherical-harmonic coefficients,
// reflections from a cube map whose mip level follows the roughness.  Lights that cast shadows
// come first in their arrays: the shadowed directional lights use shadow maps
// 0 .. N_DIR_SHADOW - 1, the shadowed spot lights the next N_SPOT_SHADOW.
//
// Transparent surfaces (opacity < 1) are drawn twice over what is behind them, blended in the
// encoded image (TRANSPARENT; one program for both, so the passes' depths agree exactly):
// pass 1 multiplies it by what the surface lets through (tinted by its colour, less at grazing
// angles: Fresnel), pass 2 adds what the surface reflects and, for its opaque share, scatters.

const float PI = 3.141592653589793;
#include "color.glsl"

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
uniform vec3 u_sh[9];                  // the sky's diffuse light (environment.shader_sh)
#ifdef ENV_ELEVATION
uniform sampler2D u_env_elevation;     // reflected radiance by roughness (x) and mirror height (y)
#else
uniform samplerCube u_env;             // the sky's radiance, box-filtered mips
uniform float u_env_size;              // texels per face of its first level
uniform float u_env_lod;               // its last mip level
#endif
uniform vec3 u_haze_color;             // radiance at the horizon
uniform float u_haze;                  // log2(e) / (haze distance)^2, 1/m^2 (0: no haze)
#ifdef TRANSPARENT
uniform int u_blend_pass;              // 1: multiply what is behind, 2: add
#endif
#ifdef AMBIENT_OCCLUSION
uniform sampler2D u_ao;                // ambient occlusion of each pixel (glsl/ao.frag)
#endif
#if N_DIR > 0
uniform vec3 u_dir_direction[N_DIR];   // direction the light travels
uniform vec3 u_dir_radiance[N_DIR];    // linear colour * intensity * exposure
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
#ifdef SHADOW_SOFT
uniform float u_penumbra[N_DIR_SHADOW + N_SPOT_SHADOW];        // map texels of penumbra per unit of map depth
#endif
#endif
#ifdef BASE_TEXTURE
uniform sampler2D u_base_texture;     // sRGB texture, decoded to linear by the sampler
#endif
#ifdef FLOOR_CHECKER
uniform vec3 u_checker_a;             // linear colours of the two squares
uniform vec3 u_checker_b;
uniform float u_checker_size;         // metres per square
#endif
#ifdef FLOOR_TEXTURE
uniform sampler2D u_floor_texture;    // a tileable sRGB pattern (physreel.rendering.floors)
uniform float u_floor_scale;          // metres per repeat of it
#endif
#ifdef FLOOR_LUT
// The floor is flat and the directional lights are fixed, so their reflection depends on the
// view direction only: it is tabulated (physreel.rendering.floor_lighting) over the
// hemisphere, indexed by the stereographic projection of the view direction.
uniform vec3 u_floor_ambient;          // the sky's diffuse light on the floor (E(up) / pi)
uniform sampler2D u_floor_lut0;        // diffuse factor (rgb) of unshadowed lights, A of light 0
#ifndef FLOOR_LUT_GREY
uniform sampler2D u_floor_lut1;        // specular (rgb) of unshadowed lights and the sky, B of light 0
#endif
#if N_DIR_SHADOW > 1
uniform sampler2D u_floor_lut2;        // A1, B1, A2, B2
#endif
#if N_DIR_SHADOW > 0
uniform sampler2D u_shadow_light[N_DIR_SHADOW];  // what the casters let through (rgb)
in vec3 v_light_uvz[N_DIR_SHADOW];
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

// Share of the point (texel coordinates c.xy) a 2 x 2 bilinear comparison finds lit.
float lit_bilinear(int slot, vec2 xy, float ref, ivec2 size)
{
    vec2 t = xy - 0.5;
    vec2 f = fract(t);
    ivec2 i0 = ivec2(floor(t));
    ivec2 lo = clamp(i0, ivec2(0), size - 1);
    ivec2 hi = clamp(i0 + 1, ivec2(0), size - 1);
    vec4 d = vec4(texelFetch(u_shadow_map[slot], lo, 0).r, texelFetch(u_shadow_map[slot], ivec2(hi.x, lo.y), 0).r,
                  texelFetch(u_shadow_map[slot], ivec2(lo.x, hi.y), 0).r, texelFetch(u_shadow_map[slot], hi, 0).r);
    vec4 lit = step(vec4(ref), d);
    return mix(mix(lit.x, lit.y, f.x), mix(lit.z, lit.w, f.x), f.y);
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
#if defined(SHADOW_SOFT)
    // Percentage-closer soft shadows: the casters' mean depth over a search disc sets the
    // penumbra's width (the light's angular size times the distance behind them), then 16
    // bilinear comparisons spread over it.
    const vec2 DISC[16] = vec2[](vec2(-0.61, 0.16), vec2(0.18, -0.87), vec2(0.89, 0.36), vec2(-0.22, 0.71),
                                 vec2(-0.94, -0.31), vec2(0.53, -0.26), vec2(0.04, 0.18), vec2(0.41, 0.86),
                                 vec2(-0.47, -0.72), vec2(0.72, -0.64), vec2(-0.78, 0.55), vec2(0.97, -0.04),
                                 vec2(-0.14, -0.35), vec2(0.28, 0.47), vec2(-0.39, 0.97), vec2(-0.97, 0.02));
    float search = u_penumbra[slot] * 0.05 + 2.0;
    float blockers = 0.0;
    float depth_sum = 0.0;
    for (int i = 0; i < 16; i += 2) {
        float d = texelFetch(u_shadow_map[slot], clamp(ivec2(c.xy + DISC[i] * search), ivec2(0), size - 1), 0).r;
        float hit = step(d, ref);
        blockers += hit;
        depth_sum += hit * d;
    }
    if (blockers == 0.0) {
        return lit_bilinear(slot, c.xy, ref, size);
    }
    float radius = clamp((ref - depth_sum / blockers) * u_penumbra[slot], 1.0, 24.0);
    float sum = 0.0;
    for (int i = 0; i < 16; i++) {
        sum += lit_bilinear(slot, c.xy + DISC[i] * radius, ref, size);
    }
    return sum / 16.0;
#elif SHADOW_TAPS == 1
    // The four comparisons around the point, blended bilinearly.  Outside the map nothing
    // casts a shadow: clamping reaches its lit one-texel border.
    return lit_bilinear(slot, c.xy, ref, size);
#else
    // 4 x 4 texels with tent weights: the average of 3 x 3 bilinear comparisons (softer).
    vec2 t = c.xy - 0.5;
    vec2 f = fract(t);
    ivec2 i0 = ivec2(floor(t));
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

#if defined(FLOOR_LUT) && N_DIR_SHADOW > 0
// The light the casters let through to the floor from shadowed light `slot` (they are all
// above it): one filtered lookup, or with soft shadows a coarser mip level the farther the
// casters over the point (their depth from the shadow map).
vec3 floor_light(int slot)
{
    vec3 p = v_light_uvz[slot];
#ifdef SHADOW_SOFT
    vec2 size = vec2(textureSize(u_shadow_map[slot], 0));
    float caster = texture(u_shadow_map[slot], p.xy).r;
    float lod = caster < p.z ? log2(max((p.z - caster) * u_penumbra[slot], 1.0)) : 0.0;
    vec4 light = textureLod(u_shadow_light[slot], p.xy, lod);
#else
    vec4 light = texture(u_shadow_light[slot], p.xy);
#endif
#ifdef SHADOW_TINT
    return light.rgb;   // transparent casters tint it
#else
    return light.rrr;
#endif
}
#endif

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

// E(n) / pi of the sky: the spherical-harmonic polynomial (coefficients with the basis
// constants folded in).
vec3 sky_diffuse(vec3 n)
{
    return u_sh[0] + u_sh[1] * n.y + u_sh[2] * n.z + u_sh[3] * n.x + u_sh[4] * (n.x * n.y)
           + u_sh[5] * (n.y * n.z) + u_sh[6] * (3.0 * n.z * n.z - 1.0) + u_sh[7] * (n.x * n.z)
           + u_sh[8] * (n.x * n.x - n.y * n.y);
}

// Karis' fit of the split-sum environment BRDF: (scale of f0, bias).
vec2 env_brdf(float roughness, float nv)
{
    vec4 r = roughness * vec4(-1.0, -0.0275, -0.572, 0.022) + vec4(1.0, 0.0425, 1.04, -0.04);
    float a004 = min(r.x * r.x, exp2(-9.28 * nv)) * r.x + r.y;
    return vec2(-1.04, 1.04) * a004 + r.zw;
}

// The sky's light reflected by a surface: its mirror direction looked up at the blur level of
// the roughness -- in a table by height for drawn skies (environment.elevation_table), else
// in the cube map's mip whose texels are as wide as the GGX lobe.
vec3 sky_specular(vec3 n, vec3 v, float roughness, float nv, vec3 f0)
{
    vec3 r = reflect(-v, n);
    vec2 ab = env_brdf(roughness, nv);
#ifdef ENV_ELEVATION
    vec2 uv = vec2((roughness * 7.0 + 0.5) / 8.0, r.z * 0.5 + 0.5);
    return texture(u_env_elevation, uv).rgb * (f0 * ab.x + ab.y);
#else
    float lod = clamp(log2(u_env_size * roughness * roughness * 1.27), 0.0, u_env_lod);
    return textureLod(u_env, r, lod).rgb * (f0 * ab.x + ab.y);
#endif
}

// Linear light leaving the surface towards the camera (exposure applied) and its opacity;
// `through` returns what a transparent surface lets through of what is behind it.
vec4 shade(out vec3 through)
{
    vec4 base = v_base_color;
#ifdef BASE_TEXTURE
    base *= texture(u_base_texture, v_uv);
#endif
#ifdef VERTEX_COLOR
    base *= v_color;
#endif
#ifdef FLOOR_CHECKER
    // Box-filtered checkerboard: the fraction of the pixel footprint on each colour, so the
    // floor needs no texture lookups and does not alias into moire in the distance.
    vec2 p = v_world.xy / u_checker_size;
    vec2 w = max(fwidth(p), vec2(1e-4));
    vec2 i = 2.0 * (abs(fract((p - 0.5 * w) * 0.5) - 0.5) - abs(fract((p + 0.5 * w) * 0.5) - 0.5)) / w;
    base.rgb *= mix(u_checker_a, u_checker_b, 0.5 + 0.5 * i.x * i.y);
#endif
#ifdef FLOOR_TEXTURE
    base.rgb *= texture(u_floor_texture, v_world.xy / u_floor_scale).rgb;
#endif
    float ao = 1.0;
#ifdef AMBIENT_OCCLUSION
    ao = texelFetch(u_ao, ivec2(gl_FragCoord.xy), 0).r;
#endif
    vec3 v = normalize(u_cam_pos - v_world);
    vec3 color = vec3(0.0);
    through = vec3(0.0);
#ifdef FLOOR_LUT
    vec2 lut_uv = v.xy / (1.0 + v.z) * 0.5 + 0.5;
#ifdef FLOOR_LUT_GREY
    // white unshadowed lights: (diffuse sum, specular sum with the sky's, A0, B0) in one lookup
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
    specular *= ao;
#if N_DIR_SHADOW > 0
    vec3 lit0 = floor_light(0);
    diffuse += lit0 * (lut0.a * u_dir_radiance[0]);
    specular += lit0 * (lut1.a * u_dir_radiance[0]);
#endif
#if N_DIR_SHADOW > 1
    vec4 lut2 = texture(u_floor_lut2, lut_uv);
    vec3 lit1 = floor_light(1);
    diffuse += lit1 * (lut2.x * u_dir_radiance[1]);
    specular += lit1 * (lut2.y * u_dir_radiance[1]);
#endif
#if N_DIR_SHADOW > 2
    vec3 lit2 = floor_light(2);
    diffuse += lit2 * (lut2.z * u_dir_radiance[2]);
    specular += lit2 * (lut2.w * u_dir_radiance[2]);
#endif
    color = base.rgb * (diffuse + u_floor_ambient * ao) + specular;
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
#ifndef FLOOR_LUT
    // A transparent surface: `base.a` of it scatters light like an opaque one (c_diff), the
    // rest lets light through, less the share its surface reflects, tinted by the square root
    // of its colour (light crosses a body's two surfaces: the body tints by its colour).
    vec3 reflected = sky_specular(n, v, roughness, nv, f0);
#ifdef TRANSPARENT
    float fresnel = 0.04 + 0.96 * pow(1.0 - nv, 5.0);
    through = (1.0 - base.a) * (1.0 - fresnel) * sqrt(base.rgb);
    c_diff *= base.a;
#endif
    color += (c_diff * sky_diffuse(n) + reflected) * ao;
#endif
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
    // Aerial perspective: the farther, the more of the horizon's light and the less of the
    // surface's (so the floor melts into the horizon instead of ending at a line).
    vec3 to_cam = u_cam_pos - v_world;
    float haze = 1.0 - exp2(-dot(to_cam, to_cam) * u_haze);  // u_haze has the log2(e) in it
#ifdef TRANSPARENT
    through *= 1.0 - haze;
#endif
    return vec4(color + (u_haze_color - color) * haze, base.a);
}

// What a surface adds to the encoded image.  Opaque: its encoded colour.  Transparent, pass 1:
// the factor the encoded image behind is multiplied by, pass 2: what is then added; together
// they give encode(through * behind + light) exactly for a mid-grey behind and closely for
// the rest (the encoding is a power near 1/2.2: factor and term are its tangent there).
vec4 encoded(vec4 light, vec3 through)
{
#ifdef TRANSPARENT
    const float BEHIND = 0.2;  // linear mid-grey
    vec3 y = BEHIND * through + light.rgb;
    vec3 slope = through * pow(BEHIND / max(y, vec3(1e-4)), vec3(1.0 - 1.0 / 2.2));
    if (u_blend_pass == 1) {
        return vec4(slope, 1.0);
    }
    return vec4(max(srgb_encode(tone_map(y)) - slope * srgb_encode(vec3(BEHIND)), vec3(0.0)), 1.0);
#else
    return vec4(srgb_encode(tone_map(light.rgb)), 1.0);
#endif
}
#endif

void main()
{
#ifdef COLOR
    vec3 through;
    vec4 light = shade(through);
    o_color = encoded(light, through);
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
