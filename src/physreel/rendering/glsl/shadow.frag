// physreel: shadow casters multiply the light map (what reaches the floor) by what they let
// through: nothing for opaque ones; for transparent ones, at each of their surfaces, the square
// root of their colour times one less their opacity (physreel.rendering.shadows).
flat in vec4 v_through;
layout(location = 0) out vec4 o_light;

void main()
{
    o_light = v_through;
}
