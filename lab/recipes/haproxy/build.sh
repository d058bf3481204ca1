#!/usr/bin/env bash
# HAProxy $VERSION from Debian's `haproxy` package, with the official haproxy image's contract:
# the binary on PATH, configuration at /usr/local/etc/haproxy/haproxy.cfg, user haproxy,
# STOPSIGNAL SIGUSR1 (soft stop: in-flight requests finish). The harness starts it per run with
# a generated configuration and drives it through its Runtime API.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
need IMAGE RECIPE_HASH VERSION BASE_ROOTFS

make_temp_dir; tmp="$TEMP_DIR"
root="$tmp/rootfs"
copy_base_rootfs "$root"

apt_install "$root" haproxy
installed="$(in_chroot "$root" haproxy -v | head -1)"
log "installed: $installed"
[[ "$installed" == *"version $VERSION"* ]] || die "expected HAProxy $VERSION, the package gave: $installed (update lab/pins.ts)"

mkdir -p "$root/usr/local/etc/haproxy" "$root/var/lib/haproxy"
cp "$root/etc/haproxy/haproxy.cfg" "$root/usr/local/etc/haproxy/haproxy.cfg"
slim_rootfs "$root"

old="$(previous_image_id)"
import_rootfs "$root" \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'USER haproxy' \
  --change 'WORKDIR /var/lib/haproxy' \
  --change 'CMD ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]'
add_stopsignal SIGUSR1
remove_previous_image "$old"
log "done: $IMAGE ($(image_size "$IMAGE"))"
