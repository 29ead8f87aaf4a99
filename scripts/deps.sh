#!/usr/bin/env bash
# Installs, from Debian's packages by name, whatever sigplay needs that is
# missing: build tools, libraries, the test tools and a CJK font. Installs
# nothing when everything is present (so it works offline once set up).
# Uses sudo when not root.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang libclang-rt-dev
  # libraries
  libsdl2-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
  libswresample-dev libavfilter-dev libwebsockets-dev libcjson-dev
  libfreetype-dev libfontconfig-dev libssl-dev zlib1g-dev
  # the system's CA certificates, for https:// recordings
  ca-certificates
  # fonts: CJK text in the board and chat, a color emoji font
  fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core
  # tests and benchmarks: unit tests, reference tools, a real HTTP server,
  # a virtual display to drive the window
  libcmocka-dev ffmpeg imagemagick nginx-light curl openssl xvfb xdotool x11-apps time jq python3 python3-websockets python3-yaml
  # packaging and its gates: PNG icons from the SVG, the man page from
  # --help, the desktop entry check, the format check, man to render the page
  libx11-dev librsvg2-bin help2man desktop-file-utils clang-format man-db
  # the Windows compile gate (scripts/mingw_gate.sh): the cross compiler,
  # and OpenSSL's headers, which libwebsockets.h includes
  gcc-mingw-w64-x86-64 libssl-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "sigplay: installing missing packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
