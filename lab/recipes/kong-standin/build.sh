#!/usr/bin/env bash
# kong-standin:<VERSION>: the Kong stand-in (standin/src) bundled into one ESM file and put on the
# node-base image with the official Kong image's contract (entrypoint, CMD, ports, STOPSIGNAL,
# HEALTHCHECK from 2.5.0 as docker-kong has it). Not Kong: the name is kong-standin, never kong.
# The lab calls this once per version; the bundle is built once per content hash of standin/src.
set -euo pipefail
: "${IMAGE:?}" "${RECIPE_HASH:?}" "${VERSION:?}" "${LAB_DIR:?}" "${NODE_BASE_IMAGE:?}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
log() { printf '[kong-standin %s] %s\n' "$VERSION" "$*"; }

# --- one bundle per source hash, shared by every version's build (flock: the lab may run us in parallel)
src_hash="$( (cd "$root" && find standin/src -type f -name '*.ts' ! -name '*.test.ts' -print0 | sort -z | xargs -0 sha256sum; sha256sum package-lock.json) | sha256sum | cut -c1-16)"
bundle_dir="$LAB_DIR/work/kong-standin-bundle/$src_hash"
mkdir -p "$bundle_dir"
(
  flock 9
  if [[ ! -s "$bundle_dir/kong.mjs" ]]; then
    log "bundling standin/src/main.ts ($src_hash)"
    (cd "$root" && node_modules/.bin/esbuild standin/src/main.ts --bundle --platform=node --format=esm --target=node20 \
      --external:pg-native --external:cpu-features --external:ssh2 --log-level=warning \
      "--banner:js=import { createRequire as __standinRequire } from 'node:module'; const require = __standinRequire(import.meta.url);" \
      --outfile="$bundle_dir/kong.mjs.tmp")
    mv "$bundle_dir/kong.mjs.tmp" "$bundle_dir/kong.mjs"
  fi
  # The plugins the stand-in models, from its one list (standin/src/catalogue/modelled-plugins.ts).
  if [[ ! -s "$bundle_dir/standin-plugins.txt" ]]; then
    (cd "$root" && node_modules/.bin/esbuild standin/src/catalogue/modelled-plugins.ts --bundle --platform=node --format=esm \
      --target=node20 --log-level=warning --outfile="$bundle_dir/modelled-plugins.mjs")
    node "$bundle_dir/modelled-plugins.mjs" >"$bundle_dir/standin-plugins.txt.tmp"
    mv "$bundle_dir/standin-plugins.txt.tmp" "$bundle_dir/standin-plugins.txt"
  fi
) 9>"$bundle_dir.lock"
# old bundles are dead weight
find "$LAB_DIR/work/kong-standin-bundle" -mindepth 1 -maxdepth 1 -type d ! -name "$src_hash" -exec rm -rf {} + 2>/dev/null || true

standin_plugins="$(cat "$bundle_dir/standin-plugins.txt")"
[[ "$standin_plugins" =~ ^[a-z0-9,-]+$ ]] || { log "bad plugin list from modelled-plugins.ts: '$standin_plugins'"; exit 1; }

# --- image
ctx="$(mktemp -d "$LAB_DIR/work/kong-standin-ctx.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
cp "$bundle_dir/kong.mjs" "$ctx/kong.mjs"
install -m 0755 "$here/docker-entrypoint.sh" "$ctx/docker-entrypoint.sh"
install -m 0755 "$here/kong" "$ctx/kong"
healthcheck=""
# docker-kong added the HEALTHCHECK in 2.5.0.
if [[ "$(printf '%s\n2.5.0\n' "$VERSION" | sort -V | head -1)" == "2.5.0" ]]; then
  healthcheck='HEALTHCHECK --interval=10s --timeout=10s --retries=10 CMD kong health'
fi
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $NODE_BASE_IMAGE
COPY kong.mjs /usr/local/lib/kong-standin/kong.mjs
COPY kong /usr/local/bin/kong
COPY docker-entrypoint.sh /docker-entrypoint.sh
ENV KONG_STANDIN_VERSION=$VERSION KONG_PREFIX=/usr/local/kong KONG_NGINX_DAEMON=off
RUN mkdir -p /usr/local/kong/logs /usr/local/kong/pids
EXPOSE 8000 8443 8001 8444
STOPSIGNAL SIGQUIT
$healthcheck
LABEL org.kong-upgrade-harness.recipe=$RECIPE_HASH org.kong-upgrade-harness.component=kong-standin org.kong-upgrade-harness.standin=true org.kong-upgrade-harness.kong-version=$VERSION org.kong-upgrade-harness.standin-plugins=$standin_plugins
ENTRYPOINT ["/docker-entrypoint.sh"]
CMD ["kong", "docker-start"]
DOCKERFILE

previous="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
log "docker build $IMAGE"
# The legacy builder works offline with a local FROM; its deprecation notice is noise unless it fails.
if ! out="$(DOCKER_BUILDKIT=0 docker build -q --pull=false -t "$IMAGE" "$ctx" 2>&1)"; then printf '%s\n' "$out" >&2; exit 1; fi
current="$(docker image inspect --format '{{.Id}}' "$IMAGE")"
if [[ -n "$previous" && "$previous" != "$current" ]]; then docker rmi "$previous" >/dev/null 2>&1 || true; fi
log "built $IMAGE ($(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1000000}'))"
