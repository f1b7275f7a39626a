// physreel: depth of the shadow casters seen from a light, and the light they let through.
layout(location = 0) in vec3 a_position;
layout(location = 4) in uint a_draw;

struct Object {
    mat4 model;
    mat4 model_prev;
    mat4 model_next;
};
struct Draw {
    vec4 base_color;
    vec4 pbr;
    uvec4 ids;
};
layout(std430, binding = 0) readonly buffer Objects { Object objects[]; };
layout(std430, binding = 1) readonly buffer Draws { Draw draws[]; };

uniform mat4 u_light_proj;  // world -> light clip
flat out vec4 v_through;    // light let through (rgb), 0 for opaque casters

void main()
{
    Draw d = draws[a_draw];
    v_through = vec4(sqrt(d.base_color.rgb) * (1.0 - d.base_color.a), 1.0);  // per surface crossed
    gl_Position = u_light_proj * (objects[d.ids.x].model * vec4(a_position, 1.0));
}
