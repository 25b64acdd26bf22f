#!/usr/bin/env bash
# Installs what buildbtw's builds and tests need on Debian or Arch (idempotent, quiet when all is there),
# creates the unprivileged build user makepkg runs as, then installs the JavaScript dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
BUILD_USER="${BUILDBTW_BUILD_USER:-buildbtw-build}"

need=()
for tool in git zstd bsdtar pacman makepkg vercmp fakeroot chromium gpg setpriv unshare; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages for: ${need[*]}" >&2
  if command -v apt-get >/dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      pacman-package-manager makepkg git zstd libarchive-tools fakeroot chromium gnupg util-linux ca-certificates >&2
  elif command -v pacman >/dev/null 2>&1; then
    as_root pacman -S --needed --noconfirm base-devel git zstd libarchive chromium gnupg util-linux >&2
  else
    echo "setup: unsupported system: install git, zstd, bsdtar, pacman, makepkg and chromium yourself" >&2; exit 1
  fi
fi

# makepkg refuses to run as root: a root worker builds as this unprivileged user.
if ! id -u "$BUILD_USER" >/dev/null 2>&1; then
  echo "setup: creating the build user $BUILD_USER" >&2
  as_root useradd --system --create-home --home-dir "/var/lib/$BUILD_USER" --shell /usr/sbin/nologin "$BUILD_USER"
fi

bun install --frozen-lockfile >&2
