#!/usr/bin/env bash
# Fetch the FluidR3 General MIDI soundfont (MIT licence; Debian package
# fluid-soundfont-gm) into .data/soundfont/ (git-ignored) for the benchmarks
# that render real sampled instruments. Also needs `pip install tinysoundfont`.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.data/soundfont
if [ -f "$dest/FluidR3_GM.sf2" ]; then
  echo "soundfont already present in $dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download fluid-soundfont-gm >/dev/null 2>&1); then
  apt-get update -qq
  (cd "$tmp" && apt-get download fluid-soundfont-gm)
fi
dpkg-deb -x "$tmp"/fluid-soundfont-gm_*.deb "$tmp/x"
mkdir -p "$dest"
cp "$tmp"/x/usr/share/sounds/sf2/FluidR3_GM.sf2 "$dest"/
cp "$tmp"/x/usr/share/doc/fluid-soundfont-gm/copyright "$dest"/COPYRIGHT
echo "fetched FluidR3_GM.sf2 into $dest"
