# Shared shell functions for lab recipes. Source it from a recipe:
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# Recipes run as root with the project root as working directory and IMAGE, RECIPE_HASH, VERSION,
# LAB_DIR, BASE_ROOTFS, BIN_DIR in the environment (see lab/README.md).
set -euo pipefail
export LC_ALL=C
umask 022

LAB_DIR="${LAB_DIR:?LAB_DIR is not set}"
LAB_WORK_DIR="$LAB_DIR/work"
# The component id is the recipe folder's name.
RECIPE_DIR="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
RECIPE_ID="$(basename "$RECIPE_DIR")"
_LIB_T0=$SECONDS

# ---------------------------------------------------------------------------------------------
# progress / errors

log() { printf '[%s %4ds] %s\n' "$RECIPE_ID" "$((SECONDS - _LIB_T0))" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$RECIPE_ID" "$*" >&2; exit 1; }
need() { local v; for v in "$@"; do [[ -n "${!v:-}" ]] || die "$v is not set"; done; }
need_cmd() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "command not found: $c"; done; }

# ---------------------------------------------------------------------------------------------
# temporary folders, removed on exit (also after a failure or an interruption)

_LIB_TEMPS=()
_LIB_MOUNTS=()

_lib_cleanup() {
  local i m d
  # unmount in reverse order
  for ((i = ${#_LIB_MOUNTS[@]} - 1; i >= 0; i--)); do
    m="${_LIB_MOUNTS[i]}"
    mountpoint -q "$m" 2>/dev/null && { umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; }
  done
  _LIB_MOUNTS=()
  for d in "${_LIB_TEMPS[@]}"; do
    [[ -n "$d" && -e "$d" ]] || continue
    # never descend into something still mounted
    if grep -q " ${d}/" /proc/mounts 2>/dev/null; then
      grep " ${d}/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    fi
    rm -rf --one-file-system "$d" 2>/dev/null || true
  done
  _LIB_TEMPS=()
}
trap '_lib_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# make_temp_dir [NAME]: sets TEMP_DIR to a fresh folder under $LAB_DIR/work, removed on exit.
# (Not meant for $(...): the folder must be registered in this shell.) Also removes leftovers of
# earlier interrupted runs of the same recipe (NAME.<pid> whose process is gone).
TEMP_DIR=""
make_temp_dir() {
  local name="${1:-$RECIPE_ID}" d old
  mkdir -p "$LAB_WORK_DIR"
  for old in "$LAB_WORK_DIR/$name".*; do
    [[ -d "$old" ]] || continue
    # leftovers of a run that is no longer alive (pid in the suffix)
    local pid="${old##*.}"
    if [[ "$pid" =~ ^[0-9]+$ ]] && ! kill -0 "$pid" 2>/dev/null; then
      grep " ${old}/" /proc/mounts 2>/dev/null | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
      rm -rf --one-file-system "$old" || true
    fi
  done
  d="$LAB_WORK_DIR/$name.$$"
  rm -rf --one-file-system "$d"
  mkdir -p "$d"
  _LIB_TEMPS+=("$d")
  TEMP_DIR="$d"
}

# ---------------------------------------------------------------------------------------------
# root filesystems

# copy_base_rootfs DEST: copies $BASE_ROOTFS into DEST (which must not exist yet or be empty).
copy_base_rootfs() {
  local dest="$1"
  need BASE_ROOTFS
  [[ -x "$BASE_ROOTFS/bin/sh" || -L "$BASE_ROOTFS/bin" ]] || die "no base rootfs at $BASE_ROOTFS (build the base recipe first)"
  mkdir -p "$dest"
  log "copying base rootfs $BASE_ROOTFS"
  cp -a "$BASE_ROOTFS/." "$dest/"
}

_chroot_mount() {
  local root="$1"
  mkdir -p "$root/proc" "$root/dev" "$root/sys"
  mount -t proc proc "$root/proc"; _LIB_MOUNTS+=("$root/proc")
  # /dev: a bind of the host's, so /dev/null, /dev/urandom work for maintainer scripts
  mount --bind /dev "$root/dev"; _LIB_MOUNTS+=("$root/dev")
}

_chroot_umount() {
  _lib_umount "$1/dev"
  _lib_umount "$1/proc"
}

# in_chroot ROOT CMD...: runs CMD inside ROOT with /proc and /dev mounted, daemons blocked and
# the host's DNS configuration (emptied afterwards, the image never carries the host's resolver).
in_chroot() {
  local root="$1"; shift
  mkdir -p "$root/usr/sbin" "$root/etc"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  rm -f "$root/etc/resolv.conf"
  cat /etc/resolv.conf >"$root/etc/resolv.conf"
  _chroot_mount "$root"
  local rc=0
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    chroot "$root" "$@" || rc=$?
  _chroot_umount "$root"
  : >"$root/etc/resolv.conf"
  rm -f "$root/usr/sbin/policy-rc.d"
  return "$rc"
}

# apt_install ROOT PKG...: installs Debian packages into ROOT (no recommends) and cleans apt's
# package cache. The package lists are fetched once per rootfs; import_rootfs removes them.
apt_install() {
  local root="$1"; shift
  log "apt-get install into rootfs: $*"
  # docs are excluded by dpkg; some postinst scripts (openjdk) still link man pages into man1
  mkdir -p "$root/usr/share/man/man1"
  # downloaded .deb files are kept per recipe in $LAB_DIR/cache/apt/<id> (bind-mounted), so a
  # rebuild does not fetch them again; the image itself keeps none
  local cache="$LAB_DIR/cache/apt/$RECIPE_ID" archives="$root/var/cache/apt/archives"
  mkdir -p "$cache/partial" "$archives"
  mount --bind "$cache" "$archives"; _LIB_MOUNTS+=("$archives")
  local rc=0
  in_chroot "$root" sh -c '
    set -e
    if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then apt-get update -qq; fi
    apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >/dev/null
    apt-get autoclean -qq >/dev/null
  ' apt_install "$@" || rc=$?
  _lib_umount "$archives"
  return "$rc"
}

# _lib_umount PATH: unmounts PATH and forgets it
_lib_umount() {
  local target="$1" m keep=()
  mountpoint -q "$target" && { umount "$target" || umount -l "$target"; }
  for m in "${_LIB_MOUNTS[@]}"; do [[ "$m" == "$target" ]] || keep+=("$m"); done
  _LIB_MOUNTS=("${keep[@]}")
}

# slim_rootfs ROOT: removes apt lists and caches, docs, man pages and logs.
slim_rootfs() {
  local root="$1"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/var/log/apt/* "$root"/var/log/dpkg.log "$root"/var/log/alternatives.log \
    "$root"/tmp/* "$root"/root/.cache 2>/dev/null || true
  mkdir -p "$root/var/lib/apt/lists/partial"
}

# ---------------------------------------------------------------------------------------------
# images

# import_rootfs DIR [--change 'INSTR']...: imports DIR as $IMAGE with the recipe and component
# labels. Extra arguments are passed to `docker import` (use --change for ENV, CMD, ...).
import_rootfs() {
  local dir="$1"; shift
  need IMAGE RECIPE_HASH
  slim_rootfs "$dir"
  log "importing $dir as $IMAGE"
  tar --numeric-owner -C "$dir" -c . | docker import \
    --change "LABEL org.kong-upgrade-harness.recipe=$RECIPE_HASH" \
    --change "LABEL org.kong-upgrade-harness.component=$RECIPE_ID" \
    "$@" - "$IMAGE" >/dev/null
  log "imported $IMAGE ($(image_size "$IMAGE"))"
}

# add_dockerfile_lines LINE...: rebuilds $IMAGE FROM itself with extra Dockerfile lines that
# `docker import --change` cannot set (STOPSIGNAL, HEALTHCHECK). Offline: legacy builder, local FROM.
add_dockerfile_lines() {
  need IMAGE
  local ctx
  make_temp_dir "$RECIPE_ID-build"; ctx="$TEMP_DIR"
  { printf 'FROM %s\n' "$IMAGE"; printf '%s\n' "$@"; } >"$ctx/Dockerfile"
  log "docker build: $*"
  DOCKER_BUILDKIT=0 docker build -q --pull=false -t "$IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
}

# add_stopsignal SIGNAL
add_stopsignal() { add_dockerfile_lines "STOPSIGNAL $1"; }

image_size() { docker image inspect --format '{{.Size}}' "$1" | awk '{printf "%.0f MB", $1/1000000}'; }

# remove_dangling_previous OLD_ID: removes the image that $IMAGE pointed at before a rebuild,
# when nothing else uses it.
remove_previous_image() {
  local old="$1" new
  [[ -n "$old" ]] || return 0
  new="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
  [[ "$old" != "$new" ]] && docker image rm "$old" >/dev/null 2>&1 || true
}

previous_image_id() { docker image inspect --format '{{.Id}}' "${IMAGE:?}" 2>/dev/null || true; }
