#!/usr/bin/env bash
# The project's own Ryuk-compatible reaper (Go, stdlib only; source next to this script), imported
# as an image holding just the static binary. Not Ryuk, so never named testcontainers/ryuk.
set -euo pipefail
: "${IMAGE:?}" "${RECIPE_HASH:?}" "${LAB_DIR:?}"

src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$LAB_DIR/work"
work="$(mktemp -d "$LAB_DIR/work/reaper.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "reaper: building ${VERSION:-dev} from $src"
mkdir -p "$work/rootfs"
# No dependencies, so no network: GOFLAGS=-mod=mod keeps go from wanting a go.sum.
(cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$work/rootfs/reaper" .)

echo "reaper: importing $IMAGE"
# Deliberately without the real Ryuk image's org.testcontainers.ryuk=true label: with it,
# testcontainers makes every later process reuse the first running reaper, so one long test run on
# the shared engine (another engineer's, the mocha process itself) would keep a crashed process's
# containers alive until it ends. Without it each process gets its own reaper (starts in ~0.3 s).
# A rebuild moves the tag; the image it leaves behind is removed unless a container still uses it.
previous="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
tar --numeric-owner --owner=0 --group=0 -C "$work/rootfs" -c . | docker import \
  --change 'ENTRYPOINT ["/reaper"]' \
  --change 'EXPOSE 8080' \
  --change "LABEL org.kong-upgrade-harness.recipe=$RECIPE_HASH" \
  --change 'LABEL org.kong-upgrade-harness.component=reaper' \
  - "$IMAGE" >/dev/null
echo "reaper: built $IMAGE ($(docker image inspect --format '{{.Size}}' "$IMAGE") bytes)"
current="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then docker rmi "$previous" >/dev/null 2>&1 || true; fi
