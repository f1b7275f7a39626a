// physreel: screen-space ambient occlusion from a depth buffer (physreel.rendering.ao).
//
// AO_PASS 1: for each pixel, the camera-frame point and its normal (from the neighbouring
// depths, on the side that continues the surface), then SAMPLES points in the hemisphere above
// it, within a radius that is a fixed share of the image at that depth; a sample is occluded
// when the depth buffer shows a surface in front of it, counted only if that surface is within
// the radius (range check).  The sample pattern turns from pixel to pixel (interleaved
// gradient noise), which AO_PASS 2 averages out over 4 x 4 pixels of similar depth.

uniform sampler2D u_depth;   // reversed depth: near / z (0 = nothing)
uniform ivec2 u_size;
uniform vec4 u_k;            // fx, fy, cx, cy of the camera (pixels)
uniform float u_near;
#if AO_PASS == 2
uniform sampler2D u_ao;
#endif
layout(location = 0) out float o_ao;

float z_at(ivec2 p)
{
    float d = texelFetch(u_depth, clamp(p, ivec2(0), u_size - 1), 0).r;
    return d > 0.0 ? u_near / d : 1e9;
}

#if AO_PASS == 1
vec3 point_at(vec2 px, float z)
{
    return vec3((px - u_k.zw) / u_k.xy * z, z);
}

uniform float u_radius;      // share of the image height at the point's depth
uniform float u_strength;

void main()
{
    ivec2 p = ivec2(gl_FragCoord.xy);
    float z = z_at(p);
    if (z >= 1e8) {
        o_ao = 1.0;
        return;
    }
    vec3 c = point_at(gl_FragCoord.xy, z);
    // the normal from the neighbours that continue the surface (the smaller depth step)
    float zl = z_at(p - ivec2(1, 0)), zr = z_at(p + ivec2(1, 0));
    float zu = z_at(p - ivec2(0, 1)), zd = z_at(p + ivec2(0, 1));
    vec3 dx = abs(zr - z) < abs(z - zl) ? point_at(gl_FragCoord.xy + vec2(1, 0), zr) - c
                                        : c - point_at(gl_FragCoord.xy - vec2(1, 0), zl);
    vec3 dy = abs(zd - z) < abs(z - zu) ? point_at(gl_FragCoord.xy + vec2(0, 1), zd) - c
                                        : c - point_at(gl_FragCoord.xy - vec2(0, 1), zu);
    vec3 n = normalize(cross(dx, dy));
    if (dot(n, c) > 0.0) {
        n = -n;  // towards the camera
    }
    float radius = u_radius * z * float(u_size.y) / u_k.y;
    // a tangent frame turned by interleaved gradient noise (Jimenez 2014)
    float angle = 6.2831853 * fract(52.9829189 * fract(dot(gl_FragCoord.xy, vec2(0.06711056, 0.00583715))));
    vec3 t = normalize(abs(n.z) < 0.9 ? cross(n, vec3(0.0, 0.0, 1.0)) : cross(n, vec3(1.0, 0.0, 0.0)));
    vec3 b = cross(n, t);
    vec3 rt = t * cos(angle) + b * sin(angle);
    vec3 rb = cross(n, rt);
    float occluded = 0.0;
    for (int i = 0; i < SAMPLES; i++) {
        // points of a spiral over the hemisphere, denser near the centre
        float f = (float(i) + 0.5) / float(SAMPLES);
        float a = float(i) * 2.3999632;  // golden angle
        float r = sqrt(f);
        vec3 h = rt * (r * cos(a)) + rb * (r * sin(a)) + n * sqrt(1.0 - f);
        vec3 s = c + h * (radius * mix(0.2, 1.0, f));
        vec2 px = s.xy / s.z * u_k.xy + u_k.zw;
        float zs = z_at(ivec2(px));
        float in_front = step(zs, s.z - 0.02 * radius);
        occluded += in_front * smoothstep(0.0, 1.0, radius / max(abs(z - zs), 1e-6));
    }
    // fades out in the distance, where the radius outgrows the depth buffer's precision
    float fade = 1.0 - smoothstep(30.0, 60.0, z);
    o_ao = clamp(1.0 - fade * u_strength * occluded / float(SAMPLES), 0.0, 1.0);
}
#else
void main()
{
    // 4 x 4 average of the pixels at about this depth (edges stay sharp)
    ivec2 p = ivec2(gl_FragCoord.xy);
    float z = z_at(p);
    float sum = 0.0;
    float weight = 0.0;
    for (int y = -2; y < 2; y++) {
        for (int x = -2; x < 2; x++) {
            ivec2 q = clamp(p + ivec2(x, y), ivec2(0), u_size - 1);
            float w = step(abs(z_at(q) - z), 0.05 * z);
            sum += w * texelFetch(u_ao, q, 0).r;
            weight += w;
        }
    }
    o_ao = weight > 0.0 ? sum / weight : 1.0;
}
#endif
