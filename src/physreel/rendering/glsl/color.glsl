// physreel: from scene light to the colours of the image (physreel.rendering.tonemap has the
// same curve in numpy).
//
// The shading writes linear light times the exposure.  The filmic curve keeps every value up to
// SHOULDER as it is -- an albedo under the default light renders as its own colour -- and
// rolls the brightest channel off above it towards 1 (Reinhard's x / (1 + x) on the excess,
// matched in value and slope at the shoulder), scaling all three channels by the same factor so
// that highlights keep their hue instead of clipping.

const float SHOULDER = 0.75;

vec3 tone_map(vec3 x)
{
    // brightest channel m, its excess e over the shoulder; the mapped value is
    // SHOULDER + e (1 - SHOULDER) / (1 - SHOULDER + e), and all channels scale by mapped / m
    // (1 below the shoulder: e = 0 and max(m, SHOULDER) = SHOULDER), in one division.
    x = max(x, vec3(0.0));
    float m = max(max(x.r, x.g), x.b);
    float e = max(m - SHOULDER, 0.0);
    float d = 1.0 - SHOULDER + e;
    return x * ((SHOULDER * d + e * (1.0 - SHOULDER)) / (d * max(m, SHOULDER)));
}

// The sRGB encoding: 12.92 c below 0.0031308, else 1.055 c^(1/2.4) - 0.055, whose power part is
// computed as a least-squares fit on c^(1/2), c^(1/4), c^(1/8), c, c^(3/2) and 1 -- within
// 0.002 of an 8-bit level of the exact value over its whole range (so the rounded bytes are the
// exact ones) and a third of the cost of pow() on llvmpipe.
vec3 srgb_encode(vec3 c)
{
    c = clamp(c, 0.0, 1.0);
    vec3 s1 = sqrt(c);
    vec3 s2 = sqrt(s1);
    vec3 s3 = sqrt(s2);
    vec3 hi = 0.713410063 * s1 + 0.590833978 * s2 - 0.247356685 * s3 - 0.0468097863 * c - 0.0187701362
              + 0.00870002426 * c * s1;
    return mix(12.92 * c, hi, step(vec3(0.0031308), c));
}

// sRGB-encoded 0..1 -> display-linear (exact)
vec3 srgb_decode(vec3 e)
{
    return mix(e / 12.92, pow((e + 0.055) / 1.055, vec3(2.4)), step(vec3(0.04045), e));
}
