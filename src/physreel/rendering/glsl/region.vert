// physreel: screen regions given in normalised device coordinates (x, y), at depth 0.
layout(location = 0) in vec2 a_ndc;

void main()
{
    gl_Position = vec4(a_ndc, 0.0, 1.0);
}
