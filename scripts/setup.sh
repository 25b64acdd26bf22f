#!/usr/bin/env bash
# Installs what buildbtw's builds and tests need on Debian or Arch (idempotent, quiet when all is there),
# then the JavaScript dependencies from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
for tool in git zstd bsdtar pacman makepkg vercmp fakeroot; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages for: ${need[*]}" >&2
  if command -v apt-get >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      pacman-package-manager makepkg git zstd libarchive-tools fakeroot >&2
  elif command -v pacman >/dev/null 2>&1; then
    as_root pacman -S --needed --noconfirm base-devel git zstd libarchive >&2
  else
    echo "setup: unsupported system: install git, zstd, bsdtar, pacman and makepkg yourself" >&2; exit 1
  fi
fi

bun install --frozen-lockfile >&2
