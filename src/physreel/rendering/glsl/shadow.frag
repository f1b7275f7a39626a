// physreel: shadow casters mark the occupancy target (the floor's shadow) besides their depth.
layout(location = 0) out float o_occupancy;

void main()
{
    o_occupancy = 1.0;
}
