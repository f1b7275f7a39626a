#version 330 core
// physreel ground-truth pass: view-space position and normal of every fragment.
layout(location = 0) in vec3 position;
#ifdef NORMAL_LOC
layout(location = NORMAL_LOC) in vec3 normal;
#endif
layout(location = INST_M_LOC) in mat4 inst_m;

uniform mat4 P;
uniform mat4 V;
uniform mat4 M;

out vec3 view_position;
out vec3 view_normal;

void main()
{
    mat4 mv = V * M * inst_m;
    vec4 vp = mv * vec4(position, 1.0);
    view_position = vp.xyz;
#ifdef NORMAL_LOC
    // Rigid transforms only (object poses and the camera): mat3(mv) rotates normals exactly.
    view_normal = mat3(mv) * normal;
#else
    view_normal = vec3(0.0, 0.0, 1.0);
#endif
    gl_Position = P * vp;
}
