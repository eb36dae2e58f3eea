#!/usr/bin/env bash
# Fetch the three General MIDI soundfonts the benchmarks render with into
# .data/soundfont/ (git-ignored), from Debian packages (no root needed):
#   fluid-soundfont-gm           FluidR3_GM.sf2            (MIT)
#   timgm6mb-soundfont           TimGM6mb.sf2              (GPL-2; never committed)
#   musescore-general-soundfont  MuseScore_General_Full.sf3 (MIT)
# Each package's copyright file is copied next to its soundfont. Rendering also
# needs `pip install --no-deps tinysoundfont` (its pyaudio dependency is only
# for live playback) and, for the score task, `pip install music21`.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.data/soundfont
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # fetch <package> <path of the soundfont inside the package>
  local pkg=$1 path=$2 name
  name=$(basename "$path")
  if [ -f "$dest/$name" ]; then
    echo "$name already present in $dest"
    return
  fi
  if ! (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1); then
    apt-get update -qq
    (cd "$tmp" && apt-get download "$pkg")
  fi
  dpkg-deb -x "$tmp/${pkg}"_*.deb "$tmp/x-$pkg"
  cp "$tmp/x-$pkg/$path" "$dest/"
  cp "$tmp/x-$pkg/usr/share/doc/$pkg/copyright" "$dest/COPYRIGHT.$pkg"
  echo "fetched $name into $dest"
}
fetch fluid-soundfont-gm usr/share/sounds/sf2/FluidR3_GM.sf2
fetch timgm6mb-soundfont usr/share/sounds/sf2/TimGM6mb.sf2
fetch musescore-general-soundfont usr/share/sounds/sf3/MuseScore_General_Full.sf3
# the name the older benchmarks read
[ -f "$dest/COPYRIGHT" ] || cp "$dest/COPYRIGHT.fluid-soundfont-gm" "$dest/COPYRIGHT"
