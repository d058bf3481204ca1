#!/usr/bin/env bash
# Small Node.js runtime image: the host's node binary and every library `ldd` lists, bash,
# busybox (cat, grep, awk, sed, nc, wget, ps, ...), useradd/groupadd and Debian's CA bundle,
# on an otherwise empty root filesystem. No ENTRYPOINT; CMD ["node"]. The Kong stand-in images
# are built FROM it with a legacy (offline) `docker build`.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
need IMAGE RECIPE_HASH VERSION BASE_ROOTFS
need_cmd node ldd

node_bin="$(readlink -f "$(command -v node)")"
host_version="$(node --version)"
[[ "${host_version#v}" == "$VERSION" ]] || die "host node is $host_version, the pin asks for $VERSION"

make_temp_dir; tmp="$TEMP_DIR"
# 1. a Debian rootfs to take bash, busybox and the CA bundle from
src="$tmp/debian"
copy_base_rootfs "$src"
apt_install "$src" busybox-static ca-certificates

# 2. the image's rootfs, merged-/usr layout like Debian
root="$tmp/rootfs"
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib/x86_64-linux-gnu,usr/lib64,usr/local/bin,etc/ssl/certs,root,tmp,var/tmp,home,run,proc,sys,dev}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"

# copy_file_from BASE PATH: copies BASE/PATH to $root/PATH (following symlinks in the source, the
# destination's directory symlinks resolve inside $root)
copy_file_from() {
  local base="$1" path="$2" real dest
  real="$(readlink -f "$base$path")"
  dest="$root$(printf '%s\n' "$path" | sed 's#^/bin/#/usr/bin/#; s#^/sbin/#/usr/sbin/#; s#^/lib/#/usr/lib/#; s#^/lib64/#/usr/lib64/#')"
  mkdir -p "$(dirname "$dest")"
  [[ -e "$dest" ]] || cp -L --preserve=mode "$real" "$dest"
}

# copy_with_libs BASE PATH: a binary and every library ldd lists for it (ldd run inside BASE)
copy_with_libs() {
  local base="$1" path="$2" lib
  copy_file_from "$base" "$path"
  while read -r lib; do
    [[ -n "$lib" ]] && copy_file_from "$base" "$lib"
  done < <(
    if [[ "$base" == "" ]]; then ldd "$path"; else chroot "$base" /usr/bin/ldd "$path"; fi |
      awk '/=>/ { if ($3 ~ /^\//) print $3; next } $1 ~ /^\// { print $1 }'
  )
}

log "node $host_version from $node_bin with its libraries"
mkdir -p "$root/usr/local/bin"
cp --preserve=mode "$node_bin" "$root/usr/local/bin/node"
while read -r lib; do
  [[ -n "$lib" ]] && copy_file_from "" "$lib"
done < <(ldd "$node_bin" | awk '/=>/ { if ($3 ~ /^\//) print $3; next } $1 ~ /^\// { print $1 }')

log "bash, busybox and the CA bundle from Debian"
copy_with_libs "$src" /usr/bin/bash
copy_file_from "$src" /usr/bin/busybox
# Debian's busybox has no adduser: the real useradd/groupadd, so `RUN useradd ...` works
for tool in /usr/sbin/useradd /usr/sbin/groupadd /usr/sbin/usermod; do copy_with_libs "$src" "$tool"; done
mkdir -p "$root/etc/default"
cp "$src/etc/login.defs" "$root/etc/login.defs"
cp "$src/etc/default/useradd" "$root/etc/default/useradd" 2>/dev/null || true
ln -s bash "$root/usr/bin/sh"
# busybox applets for every command not already there
while read -r applet; do
  [[ -z "$applet" || -e "$root/$applet" || -L "$root/$applet" ]] && continue
  case "$applet" in linuxrc | /linuxrc) continue ;; esac
  dir="$(dirname "/$applet")"
  mkdir -p "$root$dir"
  ln -s /usr/bin/busybox "$root/$applet"
done < <("$src/usr/bin/busybox" --list-full)
cp -L "$src/etc/ssl/certs/ca-certificates.crt" "$root/etc/ssl/certs/ca-certificates.crt"

# minimal system files
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
printf 'root:*::0:99999:7:::\nnobody:*::0:99999:7:::\n' >"$root/etc/shadow"
printf 'root:*::\nnogroup:*::\n' >"$root/etc/gshadow"
chmod 640 "$root/etc/shadow" "$root/etc/gshadow"
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nservices: files\nprotocols: files\n' >"$root/etc/nsswitch.conf"
cp "$src/etc/services" "$src/etc/protocols" "$root/etc/" 2>/dev/null || true
: >"$root/etc/resolv.conf"
echo localhost >"$root/etc/hostname"

# the image must run: node, bash and a shell tool, inside the new rootfs
chroot "$root" /usr/local/bin/node -e 'process.exit(require("node:crypto").randomBytes(4).length === 4 ? 0 : 1)' ||
  die "node does not run in the new rootfs"
chroot "$root" /bin/bash -c 'cat /etc/hostname >/dev/null && grep -q root /etc/passwd' || die "bash/busybox do not run in the new rootfs"

old="$(previous_image_id)"
import_rootfs "$root" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change "ENV NODE_VERSION=${host_version#v}" \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]'
remove_previous_image "$old"
log "done: $IMAGE ($(image_size "$IMAGE"))"
