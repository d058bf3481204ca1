#!/usr/bin/env bash
# Vegeta (HTTP load generator) built from its Go module into $BIN_DIR/vegeta.
exec bash "$(dirname "$0")/../go-tool.sh" vegeta "github.com/tsenart/vegeta/v12" main.Version
