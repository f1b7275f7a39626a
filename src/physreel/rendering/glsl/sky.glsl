// physreel: the sky as the camera sees it (physreel.rendering.sky.SkyLook.display is the same
// in numpy).  Drawn skies are display colours (linear, before the sRGB encoding): a gradient
// from the horizon up to the zenith and down to the ground colour, and a procedural sun with
// two glows.  An HDR sky is its equirectangular image's radiance, tone-mapped like surfaces.

uniform vec3 u_zenith;
uniform vec3 u_horizon;
uniform vec3 u_ground;
#ifdef SKY_SUN
uniform vec3 u_sun;          // unit direction towards the sun
uniform float u_sun_radius;  // radians
uniform float u_pixel_angle; // radians per pixel (the disc's edge is one pixel soft)
const vec3 SUN_COLOR = vec3(1.0, 0.97, 0.9);
#endif
#ifdef SKY_IMAGE
uniform sampler2D u_sky_image;  // equirectangular radiance (row 0 up), mipmapped
uniform float u_sky_rotation;   // radians about Z
uniform float u_sky_lod;        // mip level whose texels are about a pixel wide
uniform float u_exposure;
#endif

vec3 sky_display(vec3 d)
{
#ifdef SKY_IMAGE
    float az = atan(d.y, d.x) - u_sky_rotation;
    vec2 uv = vec2(fract(0.5 - az / (2.0 * PI)), acos(clamp(d.z, -1.0, 1.0)) / PI);
    return tone_map(textureLod(u_sky_image, uv, u_sky_lod).rgb * u_exposure);
#else
    float up = sqrt(max(d.z, 0.0));
    float down = smoothstep(0.0, 0.2, -d.z);
    vec3 c = d.z >= 0.0 ? mix(u_horizon, u_zenith, up) : mix(u_horizon, u_ground, down);
#ifdef SKY_SUN
    // angles from the sun as chord lengths |d - sun| (= the angle to within 1 % up to 30 deg)
    float ang = length(d - u_sun);
    c += SUN_COLOR * (0.3 * exp(-ang / 0.08) + 0.08 * exp(-ang / 0.45));
    c = mix(c, SUN_COLOR, clamp((u_sun_radius - ang) / u_pixel_angle + 0.5, 0.0, 1.0));
#endif
    return clamp(c, 0.0, 1.0);
#endif
}
