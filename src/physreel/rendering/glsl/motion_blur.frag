// physreel: motion blur (physreel.rendering.motion_blur).  MB_PASS 1 adds one sample's image,
// decoded to linear light and weighted 1 / K, into a float accumulator (additive blending);
// MB_PASS 2 writes the sharp frame where every sample equals the middle one (nothing moved
// there), else the samples' mean.
#include "color.glsl"

uniform sampler2D u_image;      // pass 1: the sample; pass 2: the sharp frame (encoded)
#if MB_PASS == 1
uniform float u_weight;
#else
uniform sampler2D u_mean;       // mean of the samples, linear
uniform sampler2D u_middle;     // the middle sample (encoded)
#endif
out vec4 o_color;

void main()
{
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 e = texelFetch(u_image, p, 0).rgb;
#if MB_PASS == 1
    o_color = vec4(srgb_decode(e) * u_weight, 1.0);
#else
    vec3 mean = texelFetch(u_mean, p, 0).rgb;
    vec3 middle = texelFetch(u_middle, p, 0).rgb;
    bool still = all(lessThan(abs(mean - srgb_decode(middle)), vec3(1e-5)));
    o_color = vec4(still ? e : srgb_encode(mean), 1.0);
#endif
}
