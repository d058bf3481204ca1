#!/usr/bin/env bash
# Entrypoint with the official cassandra image's environment contract (the cheap part of it):
# CASSANDRA_CLUSTER_NAME, CASSANDRA_NUM_TOKENS, CASSANDRA_DC, CASSANDRA_RACK,
# CASSANDRA_ENDPOINT_SNITCH, CASSANDRA_LISTEN_ADDRESS, CASSANDRA_BROADCAST_ADDRESS,
# CASSANDRA_RPC_ADDRESS, CASSANDRA_BROADCAST_RPC_ADDRESS, CASSANDRA_SEEDS; MAX_HEAP_SIZE,
# HEAP_NEWSIZE and JVM_EXTRA_OPTS are read by the `cassandra` launcher.
set -Eeo pipefail

# first arg is `-f` or `--some-option`: options for cassandra
if [ "${1:0:1}" = '-' ]; then
  set -- cassandra -f "$@"
fi

_ip_addresses() {
  # the container's IPv4 addresses, one per network, in `hostname --ip-address` order
  hostname -i 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i !~ /^127\./ && $i !~ /:/) print $i }'
}

_ip_address() {
  # the container's address on its first network (what `hostname --ip-address` gives)
  local ip
  ip="$(_ip_addresses | sed -n 1p)"
  if [ -z "$ip" ]; then
    ip="$(awk -v h="$(hostname)" '$0 !~ /^#/ { for (i = 2; i <= NF; i++) if ($i == h) { print $1; exit } }' /etc/hosts)"
  fi
  echo "${ip:-127.0.0.1}"
}

if [ "$1" = 'cassandra' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p /var/lib/cassandra "$CASSANDRA_CONF"
  find /var/lib/cassandra "$CASSANDRA_CONF" \! -user cassandra -exec chown cassandra:cassandra '{}' +
  exec setpriv --reuid=cassandra --regid=cassandra --init-groups --inh-caps=-all "${BASH_SOURCE[0]}" "$@"
fi

if [ "$1" = 'cassandra' ]; then
  : "${CASSANDRA_RPC_ADDRESS:=0.0.0.0}"
  : "${CASSANDRA_LISTEN_ADDRESS:=auto}"
  if [ "$CASSANDRA_LISTEN_ADDRESS" = 'auto' ]; then
    CASSANDRA_LISTEN_ADDRESS="$(_ip_address)"
    # Clients that reconnect to the address a node advertises (system.local rpc_address), as Kong's
    # lua-cassandra does, fail from every network but the one that address is on: say which it is.
    others="$(_ip_addresses | grep -vxF "$CASSANDRA_LISTEN_ADDRESS" | paste -sd ' ' - || true)"
    if [ -n "$others" ] && [ -z "${CASSANDRA_BROADCAST_ADDRESS:-}${CASSANDRA_BROADCAST_RPC_ADDRESS:-}" ]; then
      echo "cassandra: warning: several networks; advertising $CASSANDRA_LISTEN_ADDRESS, not $others: clients on another network that connect to advertised addresses (Kong) cannot reach it; attach one network or set CASSANDRA_LISTEN_ADDRESS" >&2
    fi
  fi
  : "${CASSANDRA_BROADCAST_ADDRESS:=$CASSANDRA_LISTEN_ADDRESS}"
  if [ "$CASSANDRA_BROADCAST_ADDRESS" = 'auto' ]; then
    CASSANDRA_BROADCAST_ADDRESS="$(_ip_address)"
  fi
  : "${CASSANDRA_BROADCAST_RPC_ADDRESS:=$CASSANDRA_BROADCAST_ADDRESS}"
  if [ -n "${CASSANDRA_NAME:-}" ]; then
    : "${CASSANDRA_SEEDS:=$CASSANDRA_NAME}"
  fi
  : "${CASSANDRA_SEEDS:=$CASSANDRA_BROADCAST_ADDRESS}"
  : "${CASSANDRA_CLUSTER_NAME:=Test Cluster}"
  : "${CASSANDRA_NUM_TOKENS:=16}"
  : "${CASSANDRA_RACK:=rack1}"
  if [ -z "${CASSANDRA_ENDPOINT_SNITCH:-}" ]; then
    # a data centre name only means something to a snitch that reads it
    if [ -n "${CASSANDRA_DC:-}" ]; then CASSANDRA_ENDPOINT_SNITCH=GossipingPropertyFileSnitch; else CASSANDRA_ENDPOINT_SNITCH=SimpleSnitch; fi
  fi
  : "${CASSANDRA_DC:=datacenter1}"
  : "${CASSANDRA_AUTHENTICATOR:=AllowAllAuthenticator}"
  : "${CASSANDRA_AUTHORIZER:=AllowAllAuthorizer}"

  esc() { printf '%s' "$1" | sed -e 's/[\/&|]/\\&/g' -e "s/'/''/g"; }
  sed \
    -e "s|@CLUSTER_NAME@|$(esc "$CASSANDRA_CLUSTER_NAME")|" \
    -e "s|@NUM_TOKENS@|$(esc "$CASSANDRA_NUM_TOKENS")|" \
    -e "s|@AUTHENTICATOR@|$(esc "$CASSANDRA_AUTHENTICATOR")|" \
    -e "s|@AUTHORIZER@|$(esc "$CASSANDRA_AUTHORIZER")|" \
    -e "s|@SEEDS@|$(esc "$CASSANDRA_SEEDS")|" \
    -e "s|@LISTEN_ADDRESS@|$(esc "$CASSANDRA_LISTEN_ADDRESS")|" \
    -e "s|@BROADCAST_ADDRESS@|$(esc "$CASSANDRA_BROADCAST_ADDRESS")|" \
    -e "s|@RPC_ADDRESS@|$(esc "$CASSANDRA_RPC_ADDRESS")|" \
    -e "s|@BROADCAST_RPC_ADDRESS@|$(esc "$CASSANDRA_BROADCAST_RPC_ADDRESS")|" \
    -e "s|@ENDPOINT_SNITCH@|$(esc "$CASSANDRA_ENDPOINT_SNITCH")|" \
    "$CASSANDRA_HOME/conf/cassandra.yaml.in" >"$CASSANDRA_CONF/cassandra.yaml"
  sed -e "s|@DC@|$(esc "$CASSANDRA_DC")|" -e "s|@RACK@|$(esc "$CASSANDRA_RACK")|" \
    "$CASSANDRA_HOME/conf/cassandra-rackdc.properties.in" >"$CASSANDRA_CONF/cassandra-rackdc.properties"
  [ -f "$CASSANDRA_CONF/logback.xml" ] || cp "$CASSANDRA_HOME/conf/logback.xml" "$CASSANDRA_CONF/logback.xml"
  echo "cassandra: cluster '$CASSANDRA_CLUSTER_NAME', listen $CASSANDRA_LISTEN_ADDRESS, broadcast $CASSANDRA_BROADCAST_ADDRESS, rpc $CASSANDRA_RPC_ADDRESS, broadcast rpc $CASSANDRA_BROADCAST_RPC_ADDRESS, seeds $CASSANDRA_SEEDS, snitch $CASSANDRA_ENDPOINT_SNITCH, dc $CASSANDRA_DC"
fi

exec "$@"
