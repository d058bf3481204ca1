#!/usr/bin/env bash
# Vegeta (HTTP load generator) built from its Go module into $BIN_DIR/vegeta.
set -euo pipefail
: "${VERSION:?}" "${LAB_DIR:?}" "${BIN_DIR:?}"

mkdir -p "$LAB_DIR/work" "$BIN_DIR"
work="$(mktemp -d "$LAB_DIR/work/vegeta.XXXXXX")"
trap 'rm -rf "$work" "${tmp:-}"' EXIT

echo "vegeta: building v$VERSION from the Go module proxy"
# The upstream release build stamps main.Version; without it `vegeta -version` says nothing useful.
CGO_ENABLED=0 GOBIN="$work/gobin" go install -trimpath \
  -ldflags "-s -w -X main.Version=v$VERSION" \
  "github.com/tsenart/vegeta/v12@v$VERSION"

# Same filesystem as BIN_DIR, so the final mv is an atomic rename.
tmp="$BIN_DIR/.vegeta.$$"
install -m 0755 "$work/gobin/vegeta" "$tmp"
mv -f "$tmp" "$BIN_DIR/vegeta"
echo "vegeta: installed $BIN_DIR/vegeta ($("$BIN_DIR/vegeta" -version 2>&1 | head -n1))"
