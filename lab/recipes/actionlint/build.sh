#!/usr/bin/env bash
# actionlint (GitHub Actions workflow linter) built from its Go module into $BIN_DIR/actionlint.
set -euo pipefail
: "${VERSION:?}" "${LAB_DIR:?}" "${BIN_DIR:?}"

mkdir -p "$LAB_DIR/work" "$BIN_DIR"
work="$(mktemp -d "$LAB_DIR/work/actionlint.XXXXXX")"
trap 'rm -rf "$work" "${tmp:-}"' EXIT

echo "actionlint: building v$VERSION from the Go module proxy"
# The upstream release build stamps the version; without it `actionlint -version` says "(devel)".
CGO_ENABLED=0 GOBIN="$work/gobin" go install -trimpath \
  -ldflags "-s -w -X github.com/rhysd/actionlint.version=v$VERSION" \
  "github.com/rhysd/actionlint/cmd/actionlint@v$VERSION"

# Same filesystem as BIN_DIR, so the final mv is an atomic rename.
tmp="$BIN_DIR/.actionlint.$$"
install -m 0755 "$work/gobin/actionlint" "$tmp"
mv -f "$tmp" "$BIN_DIR/actionlint"
echo "actionlint: installed $BIN_DIR/actionlint ($("$BIN_DIR/actionlint" -version 2>&1 | head -n1))"
