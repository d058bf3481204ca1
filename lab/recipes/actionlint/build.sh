#!/usr/bin/env bash
# actionlint (GitHub Actions workflow linter) built from its Go module into $BIN_DIR/actionlint.
exec bash "$(dirname "$0")/../go-tool.sh" actionlint "github.com/rhysd/actionlint/cmd/actionlint" github.com/rhysd/actionlint.version
