#!/usr/bin/env bash
# The official Kong image's entrypoint contract (Kong/docker-kong docker-entrypoint.sh), for the
# stand-in: `kong docker-start` prepares the prefix and execs the node process in the foreground
# (PID 1, so STOPSIGNAL SIGQUIT reaches it); anything else is exec'd as given, so CLI exit codes
# pass straight through.
set -Eeo pipefail

# KONG_<X>_FILE (docker-kong 2.1.0+): read X from a file, Docker-secrets style.
file_env() {
  local var="$1" fileVar="${1}_FILE"
  if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
    echo >&2 "error: both $var and $fileVar are set (but are exclusive)"
    exit 1
  fi
  if [ "${!fileVar:-}" ]; then
    export "$var"="$(< "${!fileVar}")"
    unset "$fileVar"
  fi
}

export KONG_NGINX_DAEMON=${KONG_NGINX_DAEMON:=off}

if [[ "$1" == "kong" ]]; then
  PREFIX=${KONG_PREFIX:=/usr/local/kong}
  export KONG_PREFIX="$PREFIX"
  for v in $(compgen -e | grep -E '^KONG_.+_FILE$' || true); do file_env "${v%_FILE}"; done

  if [[ "$2" == "docker-start" ]]; then
    mkdir -p "$PREFIX/logs" "$PREFIX/pids"
    ln -sf /dev/stdout "$PREFIX/logs/access.log"
    ln -sf /dev/stdout "$PREFIX/logs/admin_access.log"
    ln -sf /dev/stderr "$PREFIX/logs/error.log"
    exec node /usr/local/lib/kong-standin/kong.mjs docker-start
  fi
fi

exec "$@"
