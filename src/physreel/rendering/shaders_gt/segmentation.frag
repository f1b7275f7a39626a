#version 330 core
// physreel ground-truth pass, written to an RGBA32F target:
//   r = instance id (exact integer), g, b = unit normal in the OpenGL view frame,
//   octahedral-encoded, a = z-depth in metres (distance along the viewing axis).
uniform vec3 color;  // color.r * 255 = instance id (pyrender divides seg colours by 255)

in vec3 view_position;
in vec3 view_normal;
out vec4 frag_color;

vec2 oct_wrap(vec2 v)
{
    return (1.0 - abs(v.yx)) * vec2(v.x >= 0.0 ? 1.0 : -1.0, v.y >= 0.0 ? 1.0 : -1.0);
}

vec2 oct_encode(vec3 n)
{
    n /= (abs(n.x) + abs(n.y) + abs(n.z));
    vec2 e = n.z >= 0.0 ? n.xy : oct_wrap(n.xy);
    return e;
}

void main()
{
    vec3 n = normalize(view_normal);
    if (!gl_FrontFacing) {
        n = -n;  // the inside of an open mesh, seen through a hole
    }
    frag_color = vec4(floor(color.r * 255.0 + 0.5), oct_encode(n), -view_position.z);
}
