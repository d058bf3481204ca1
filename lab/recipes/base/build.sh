#!/usr/bin/env bash
# Debian base root filesystem (debootstrap --variant=minbase), the starting point of every image
# built from Debian packages. Output: the folder $BASE_ROOTFS (not an image).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
need BASE_ROOTFS
need_cmd debootstrap
SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

make_temp_dir; tmp="$TEMP_DIR"
log "debootstrap --variant=minbase $SUITE from $MIRROR"
if ! debootstrap --variant=minbase "$SUITE" "$tmp/rootfs" "$MIRROR" >"$tmp/debootstrap.log" 2>&1; then
  tail -n 30 "$tmp/debootstrap.log" >&2
  [[ -f "$tmp/rootfs/debootstrap/debootstrap.log" ]] && tail -n 30 "$tmp/rootfs/debootstrap/debootstrap.log" >&2
  die "debootstrap failed"
fi
root="$tmp/rootfs"
log "debootstrap done; cleaning"
# Same sources as the official debian images (main + updates + security), so apt_install gets
# current packages.
cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
# Like the official images: no recommends, no docs.
mkdir -p "$root/etc/apt/apt.conf.d" "$root/etc/dpkg/dpkg.cfg.d"
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90-no-recommends"
cat >"$root/etc/dpkg/dpkg.cfg.d/90-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
: >"$root/etc/resolv.conf"
echo "localhost" >"$root/etc/hostname"
slim_rootfs "$root"

rm -rf --one-file-system "$BASE_ROOTFS.old"
mkdir -p "$(dirname "$BASE_ROOTFS")"
[[ -e "$BASE_ROOTFS" ]] && mv "$BASE_ROOTFS" "$BASE_ROOTFS.old"
mv "$root" "$BASE_ROOTFS"
rm -rf --one-file-system "$BASE_ROOTFS.old"
log "base rootfs ready at $BASE_ROOTFS ($(du -sh "$BASE_ROOTFS" | cut -f1))"
