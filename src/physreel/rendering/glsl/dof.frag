// physreel: depth of field (physreel.rendering.dof), a gather over a disc of MAX_RADIUS pixels.
// Each pixel's circle of confusion comes from its depth (the thin-lens formula); a neighbour
// at distance r contributes where its own circle covers this pixel (its light spreads over
// it), spread over its circle's area, and a neighbour behind a sharper pixel only within this
// pixel's own circle (background does not bleed onto what is in front of it).  Light is
// averaged linearly and encoded again.
#include "color.glsl"

uniform sampler2D u_image;   // the finished colour image (encoded)
uniform sampler2D u_depth;   // reversed depth: near / z (0 = nothing: infinitely far)
uniform ivec2 u_size;
uniform float u_near;
uniform vec2 u_lens;         // circle of confusion radius, pixels: coc(z) = |u_lens.x - u_lens.y / z|
out vec4 o_color;

float coc_at(ivec2 p, out float z)
{
    float d = texelFetch(u_depth, clamp(p, ivec2(0), u_size - 1), 0).r;
    z = d > 0.0 ? u_near / d : 1e9;
    return min(abs(u_lens.x - u_lens.y / z), float(MAX_RADIUS));
}

void main()
{
    ivec2 p = ivec2(gl_FragCoord.xy);
    float z0;
    float c0 = coc_at(p, z0);
    vec3 sum = vec3(0.0);
    float weight = 0.0;
    for (int i = 0; i < SAMPLES; i++) {
        // a Vogel disc of MAX_RADIUS, the centre included
        float r = float(MAX_RADIUS) * sqrt((float(i) + 0.5) / float(SAMPLES));
        float a = float(i) * 2.3999632;
        ivec2 q = p + ivec2(round(r * vec2(cos(a), sin(a))));
        float z;
        float c = coc_at(q, z);
        float covers = clamp(c - r + 0.5, 0.0, 1.0);
        if (z > z0) {
            covers = min(covers, clamp(c0 - r + 0.5, 0.0, 1.0));
        }
        float w = covers / max(c * c, 0.25);
        sum += w * srgb_decode(texelFetch(u_image, clamp(q, ivec2(0), u_size - 1), 0).rgb);
        weight += w;
    }
    vec3 centre = texelFetch(u_image, p, 0).rgb;
    o_color = vec4(weight > 0.0 ? srgb_encode(sum / weight) : centre, 1.0);
}
