"""Long clips: memory does not grow with the clip length (frames are streamed)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

PROBE = textwrap.dedent("""
    import json, resource, sys
    import physreel
    duration = float(sys.argv[1]); out = sys.argv[2]; passes = sys.argv[3].split(",")
    scene = {"name": "long", "duration": duration, "fps": 24, "resolution": [64, 48], "seed": 5,
             "physics": {"sleeping": True},
             "objects": [{"name": f"b{i}", "shape": {"type": "sphere", "radius": 0.1}, "material": "rubber",
                          "position": [0.3 * i - 0.6, 0, 0.5 + 0.4 * i]} for i in range(5)],
             "cameras": [{"position": [0, -3, 1.2], "look_at": [0, 0, 0.4], "motion": [{"type": "orbit", "degrees": 90}]}]}
    r = physreel.write(scene, out, passes=passes)
    print(json.dumps({"frames": r.num_frames, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
""")


def _peak(tmp_path, duration, passes="rgb"):
    out = tmp_path / f"o{duration}"
    proc = subprocess.run([sys.executable, "-c", PROBE, str(duration), str(out), passes],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_sixty_second_render_uses_the_memory_of_a_two_second_one(tmp_path):
    short = _peak(tmp_path, 2.0)
    long = _peak(tmp_path, 60.0)
    assert (short["frames"], long["frames"]) == (48, 1440)
    ratio = long["maxrss_kb"] / short["maxrss_kb"]
    assert ratio < 1.2, f"peak memory 60 s / 2 s = {ratio:.2f} ({long['maxrss_kb']} kB vs {short['maxrss_kb']} kB)"
