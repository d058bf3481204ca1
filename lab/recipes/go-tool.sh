#!/usr/bin/env bash
# Builds a Go command from the Go module proxy into $BIN_DIR/<name>, with its version stamped the way
# its upstream release build does (without it `<name> -version` says "(devel)" or nothing).
# Usage: go-tool.sh <name> <package path> <version variable>
set -euo pipefail
: "${VERSION:?}" "${LAB_DIR:?}" "${BIN_DIR:?}"
name="$1" package="$2" version_var="$3"

mkdir -p "$LAB_DIR/work" "$BIN_DIR"
work="$(mktemp -d "$LAB_DIR/work/$name.XXXXXX")"
trap 'rm -rf "$work" "${tmp:-}"' EXIT

echo "$name: building v$VERSION from the Go module proxy"
CGO_ENABLED=0 GOBIN="$work/gobin" go install -trimpath -ldflags "-s -w -X $version_var=v$VERSION" "$package@v$VERSION"

# Same filesystem as BIN_DIR, so the final mv is an atomic rename.
tmp="$BIN_DIR/.$name.$$"
install -m 0755 "$work/gobin/$name" "$tmp"
mv -f "$tmp" "$BIN_DIR/$name"
echo "$name: installed $BIN_DIR/$name ($("$BIN_DIR/$name" -version 2>&1 | head -n1))"
