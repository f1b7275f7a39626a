// physreel: post-process anti-aliasing of the single-sampled colour image.
//
// The method is the one of FXAA (Lottes 2009): where the local luma contrast is high, decide
// whether the edge runs horizontally or vertically, walk along it in both directions until the
// luma pair across it changes, and from the distance to the nearer end estimate how much of the
// pixel the other side covers; the colour is then read that far across the edge with bilinear
// filtering.  Isolated one-pixel features are blended with their neighbourhood ("sub-pixel").
//
// llvmpipe runs every instruction of a shader for every pixel of a block whatever the branches
// say, but skips blocks that fail the depth test.  So a first pass (EDGE_MASK) marks the pixels
// with enough contrast in the depth buffer, and the edge search runs only where the mark lets
// it through.  Both are drawn only over the screen regions where geometric edges can be (the
// objects' projected bounds and the floor's border): the floor is filtered already.

uniform sampler2D u_color;   // gamma-encoded colour, linear filtering, clamped
#ifdef EDGE_MASK
uniform sampler2D u_depth;   // the geometry pass's depth: near / z (0 = nothing drawn)
#endif
uniform vec2 u_texel;        // (1 / width, 1 / height)
uniform ivec2 u_size;        // (width, height)
out vec4 o_color;

const float EDGE_REL = 0.125;   // contrast needed, relative to the brightest neighbour
const float EDGE_MIN = 0.0312;  // and absolute (dark areas)
const float SUBPIX = 0.75;      // strength of the sub-pixel blend
const int STEPS = 10;
const float STRIDE[STEPS] = float[](1.0, 1.0, 1.0, 1.5, 2.0, 2.0, 2.0, 2.0, 4.0, 8.0);

float luma(vec3 c)
{
    return dot(c, vec3(0.299, 0.587, 0.114));
}

float luma_at(vec2 uv)
{
    return luma(textureLod(u_color, uv, 0.0).rgb);
}

// Texels around this pixel, clamped to the image (reads past its border are undefined).
#define TEXEL(dx, dy) texelFetch(u_color, clamp(ivec2(gl_FragCoord.xy) + ivec2(dx, dy), ivec2(0), u_size - 1), 0)
#define FETCH(dx, dy) luma(TEXEL(dx, dy).rgb)

#ifdef EDGE_MASK
void main()
{
    vec4 c = TEXEL(0, 0);
    vec4 cn = TEXEL(0, -1);
    vec4 cs = TEXEL(0, 1);
    vec4 cw = TEXEL(-1, 0);
    vec4 ce = TEXEL(1, 0);
    float m = luma(c.rgb);
    float n = luma(cn.rgb);
    float s = luma(cs.rgb);
    float w = luma(cw.rgb);
    float e = luma(ce.rgb);
    float hi = max(m, max(max(n, s), max(w, e)));
    float lo = min(m, min(min(n, s), min(w, e)));
    // Geometric edges only, as multisampling sees them: silhouettes and creases.  The depth
    // buffer holds near / z, which is affine in screen space across a plane: its second
    // differences vanish inside a face, are tiny on smooth curved surfaces and jump at creases
    // and silhouettes.  Contrast inside a face -- texture detail, shading, the (pre-filtered)
    // floor and its shadows -- is left as it is.
    ivec2 size = u_size - 1;
    ivec2 q = ivec2(gl_FragCoord.xy);
    float dc = texelFetch(u_depth, q, 0).r;
    float dn = texelFetch(u_depth, clamp(q + ivec2(0, -1), ivec2(0), size), 0).r;
    float ds = texelFetch(u_depth, clamp(q + ivec2(0, 1), ivec2(0), size), 0).r;
    float dw = texelFetch(u_depth, clamp(q + ivec2(-1, 0), ivec2(0), size), 0).r;
    float de = texelFetch(u_depth, clamp(q + ivec2(1, 0), ivec2(0), size), 0).r;
    float bend = max(abs(dn + ds - 2.0 * dc), abs(dw + de - 2.0 * dc));
    bool geometric = bend > 2e-4 * dc || (min(min(dn, ds), min(dw, de)) == 0.0) != (dc == 0.0);
    gl_FragDepth = geometric && hi - lo >= max(EDGE_MIN, hi * EDGE_REL) ? 1.0 : 0.0;
}
#else
void main()
{
    vec2 v_uv = gl_FragCoord.xy * u_texel;
    vec4 centre = TEXEL(0, 0);
    float m = luma(centre.rgb);
    float n = FETCH(0, -1);
    float s = FETCH(0, 1);
    float w = FETCH(-1, 0);
    float e = FETCH(1, 0);
    float lo = min(m, min(min(n, s), min(w, e)));
    float hi = max(m, max(max(n, s), max(w, e)));
    float range = max(hi - lo, 1e-6);
    float nw = FETCH(-1, -1);
    float ne = FETCH(1, -1);
    float sw = FETCH(-1, 1);
    float se = FETCH(1, 1);

    // Sub-pixel aliasing: how far the centre stands out from its 3 x 3 neighbourhood.
    float avg = (2.0 * (n + s + w + e) + nw + ne + sw + se) / 12.0;
    float sub = clamp(abs(avg - m) / range, 0.0, 1.0);
    sub = (-2.0 * sub + 3.0) * sub * sub;
    float sub_offset = sub * sub * SUBPIX;

    // Orientation: second differences across rows (a horizontal edge) and across columns.
    float across_rows = abs(nw + sw - 2.0 * w) + 2.0 * abs(n + s - 2.0 * m) + abs(ne + se - 2.0 * e);
    float across_cols = abs(nw + ne - 2.0 * n) + 2.0 * abs(w + e - 2.0 * m) + abs(sw + se - 2.0 * s);
    bool horizontal = across_rows >= across_cols;
    float l_neg = horizontal ? n : w;
    float l_pos = horizontal ? s : e;
    float g_neg = abs(l_neg - m);
    float g_pos = abs(l_pos - m);
    float step_len = horizontal ? u_texel.y : u_texel.x;
    float pair;
    if (g_neg >= g_pos) {
        step_len = -step_len;
        pair = 0.5 * (l_neg + m);
    } else {
        pair = 0.5 * (l_pos + m);
    }
    float threshold = 0.25 * max(g_neg, g_pos);

    // Walk along the edge, half a pixel across it (bilinear reads average the pair).
    vec2 on_edge = v_uv;
    vec2 along;
    if (horizontal) {
        on_edge.y += 0.5 * step_len;
        along = vec2(u_texel.x, 0.0);
    } else {
        on_edge.x += 0.5 * step_len;
        along = vec2(0.0, u_texel.y);
    }
    vec2 p1 = on_edge - along;
    vec2 p2 = on_edge + along;
    float d1 = luma_at(p1) - pair;
    float d2 = luma_at(p2) - pair;
    bool end1 = abs(d1) >= threshold;
    bool end2 = abs(d2) >= threshold;
    for (int i = 0; i < STEPS; i++) {
        if (end1 && end2) {
            break;
        }
        if (!end1) {
            p1 -= along * STRIDE[i];
            d1 = luma_at(p1) - pair;
            end1 = abs(d1) >= threshold;
        }
        if (!end2) {
            p2 += along * STRIDE[i];
            d2 = luma_at(p2) - pair;
            end2 = abs(d2) >= threshold;
        }
    }
    float dist1 = horizontal ? v_uv.x - p1.x : v_uv.y - p1.y;
    float dist2 = horizontal ? p2.x - v_uv.x : p2.y - v_uv.y;
    bool nearer1 = dist1 < dist2;
    float offset = 0.5 - min(dist1, dist2) / (dist1 + dist2);
    // Only blend when the luma at the nearer end varies the other way from the centre.
    bool centre_darker = m < pair;
    if (((nearer1 ? d1 : d2) < 0.0) == centre_darker) {
        offset = 0.0;
    }
    offset = max(offset, sub_offset);
    vec2 uv = v_uv;
    if (horizontal) {
        uv.y += offset * step_len;
    } else {
        uv.x += offset * step_len;
    }
    o_color = vec4(textureLod(u_color, uv, 0.0).rgb, 1.0);
}
#endif
