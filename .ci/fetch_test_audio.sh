#!/usr/bin/env bash
# Fetch the CC0 recordings used by the real-audio tests and benchmarks into
# .data/ (git-ignored). Source: Debian's sonic-pi-samples package (CC0 samples
# from the Sonic Pi project). Nothing is committed; nothing is fetched at test time.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.data/sonic-pi-samples
if [ -d "$dest" ] && ls "$dest"/*.flac >/dev/null 2>&1; then
  echo "test audio already present in $dest"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download sonic-pi-samples >/dev/null 2>&1); then
  apt-get update -qq
  (cd "$tmp" && apt-get download sonic-pi-samples)
fi
dpkg-deb -x "$tmp"/sonic-pi-samples_*.deb "$tmp/x"
mkdir -p "$dest"
cp "$tmp"/x/usr/share/sonic-pi/samples/*.flac "$dest"/
cp "$tmp"/x/usr/share/doc/sonic-pi-samples/copyright "$dest"/COPYRIGHT
echo "fetched $(ls "$dest"/*.flac | wc -l) CC0 recordings into $dest"
