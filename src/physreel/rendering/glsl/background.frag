// physreel: the background (everything no surface covers): the sky (glsl/sky.glsl), id 0, no
// normal, depth 0, and the motion of points at infinity, which only the camera's rotation
// moves: x_o ~ K_o R_o R_t^T K_t^-1 (u + 0.5, v + 0.5, 1).

const float PI = 3.141592653589793;
#ifdef COLOR
#include "color.glsl"
#include "sky.glsl"
layout(location = LOC_COLOR) out vec4 o_color;
uniform mat3 u_pixel_to_world;  // (u + 0.5, v + 0.5, 1) -> world direction of the pixel's ray
#endif
#ifdef GROUND_TRUTH
layout(location = LOC_ID) out uint o_id;
layout(location = LOC_NORMAL) out vec4 o_normal;
#endif
#ifdef MOTION_NEXT
layout(location = LOC_NEXT) out vec4 o_next;
uniform mat3 u_next_homography;
#endif
#ifdef MOTION_PREV
layout(location = LOC_PREV) out vec4 o_prev;
uniform mat3 u_prev_homography;
#endif

vec4 motion(mat3 hom)
{
    vec3 h = hom * vec3(gl_FragCoord.xy, 1.0);
    return vec4(h.z > 0.0 ? h.xy / h.z - gl_FragCoord.xy : vec2(0.0), h.z, 0.0);
}

void main()
{
#ifdef COLOR
    vec3 d = normalize(u_pixel_to_world * vec3(gl_FragCoord.xy, 1.0));
    o_color = vec4(srgb_encode(sky_display(d)), 1.0);
#endif
#ifdef GROUND_TRUTH
    o_id = 0u;
    o_normal = vec4(0.0);
#endif
#ifdef MOTION_NEXT
    o_next = motion(u_next_homography);
#endif
#ifdef MOTION_PREV
    o_prev = motion(u_prev_homography);
#endif
}
