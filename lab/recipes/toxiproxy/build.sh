#!/usr/bin/env bash
# Toxiproxy server + cli built from the real Go module (the official image cannot be pulled here),
# imported as an image with the official image's contract: /toxiproxy (entrypoint, -host=0.0.0.0),
# /toxiproxy-cli, API on 8474. Real software from its real source, so it carries the official name.
set -euo pipefail
: "${IMAGE:?}" "${RECIPE_HASH:?}" "${VERSION:?}" "${LAB_DIR:?}"

mkdir -p "$LAB_DIR/work"
work="$(mktemp -d "$LAB_DIR/work/toxiproxy.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "toxiproxy: building server and cli v$VERSION from the Go module proxy"
# Static binaries: the image has no libc. The ldflag is what the upstream release build sets, so
# GET /version answers the real version instead of "git".
CGO_ENABLED=0 GOBIN="$work/gobin" go install -trimpath \
  -ldflags "-s -w -X github.com/Shopify/toxiproxy/v2.Version=$VERSION" \
  "github.com/Shopify/toxiproxy/v2/cmd/server@v$VERSION" \
  "github.com/Shopify/toxiproxy/v2/cmd/cli@v$VERSION"

echo "toxiproxy: assembling rootfs"
rootfs="$work/rootfs"
mkdir -p "$rootfs/tmp" "$rootfs/etc"
chmod 1777 "$rootfs/tmp"
install -m 0755 "$work/gobin/server" "$rootfs/toxiproxy"
install -m 0755 "$work/gobin/cli" "$rootfs/toxiproxy-cli"
printf 'root:x:0:0:root:/:/nonexistent\nnobody:x:65534:65534:nobody:/:/nonexistent\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

echo "toxiproxy: importing $IMAGE"
# A rebuild moves the tag; the image it leaves behind is removed unless a container still uses it.
previous="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -c . | docker import \
  --change 'ENTRYPOINT ["/toxiproxy"]' \
  --change 'CMD ["-host=0.0.0.0"]' \
  --change 'EXPOSE 8474' \
  --change "LABEL org.kong-upgrade-harness.recipe=$RECIPE_HASH" \
  --change 'LABEL org.kong-upgrade-harness.component=toxiproxy' \
  - "$IMAGE" >/dev/null
echo "toxiproxy: built $IMAGE ($(docker image inspect --format '{{.Size}}' "$IMAGE") bytes)"
current="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then docker rmi "$previous" >/dev/null 2>&1 || true; fi
