//go:build tools

// Package tools pins the Loki main package so `go mod tidy` keeps its requirements.
package tools

import _ "github.com/grafana/loki/v3/cmd/loki"
