#!/usr/bin/env bash
# Set physreel up on a fresh Debian/Ubuntu machine: system GL libraries (only when missing),
# a virtual environment in .venv, and the package with its test tools.
#   ./setup.sh            # core
#   ./setup.sh --all      # core + optional extras (Ray, parquet, CoACD, OpenCV, ONNX Runtime,
#                         # torch 2.13 CPU + diffusers) + test tools
set -euo pipefail
cd "$(dirname "$0")"

have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
missing=()
have_lib 'libEGL.so.1' || missing+=(libegl1)
have_lib 'libEGL_mesa.so.0' || missing+=(libegl-mesa0)
[ -e /usr/lib/x86_64-linux-gnu/dri/swrast_dri.so ] || [ -e /usr/lib/aarch64-linux-gnu/dri/swrast_dri.so ] \
  || ls /usr/lib/*/dri/*swrast* >/dev/null 2>&1 || missing+=(libgl1-mesa-dri)
have_lib 'libGL.so.1' || missing+=(libgl1)
have_lib 'libOpenGL.so.0' || missing+=(libopengl0)
have_lib 'libGLESv2.so.2' || missing+=(libgles2)
have_lib 'libOSMesa.so' || missing+=(libosmesa6)   # the PHYSREEL_GL=osmesa fallback
have_lib 'libgomp.so.1' || missing+=(libgomp1)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--all" ]; then
  .venv/bin/python -m pip install -q -e ".[test,all]"
else
  .venv/bin/python -m pip install -q -e ".[test]"
fi
echo "setup: done. Try: .venv/bin/physreel render scenes/glass_drop.yaml"
