#!/usr/bin/env bash
# MinIO (a real S3-compatible server) for the backup target's S3 integration tests. No registry, no prebuilt
# binaries: built from its Go module through the Go module proxy, cached under $DRILLBOOK_CACHE/minio/<version>.
# Idempotent: a warm cache returns at once. Cold build: several minutes on 2 cores (runs under nice).
set -euo pipefail
MINIO_MODULE_VERSION="${DRILLBOOK_MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
CACHE="${DRILLBOOK_CACHE:-$HOME/.cache/drillbook}"
DEST="$CACHE/minio/$MINIO_MODULE_VERSION"
if [ -x "$DEST/bin/minio" ]; then
  echo "[40-minio] cached: $DEST/bin/minio"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "[40-minio] go is required (Go >= 1.24) to build MinIO from its module" >&2; exit 1; }
rm -rf "$DEST.partial" && mkdir -p "$DEST.partial/bin"
echo "[40-minio] building github.com/minio/minio@$MINIO_MODULE_VERSION (cold: several minutes)"
GOBIN="$DEST.partial/bin" CGO_ENABLED=0 GOFLAGS=-buildvcs=false nice -n 19 go install -trimpath "github.com/minio/minio@$MINIO_MODULE_VERSION"
"$DEST.partial/bin/minio" --version >/dev/null
rm -rf "$DEST" && mv "$DEST.partial" "$DEST"
echo "[40-minio] built: $DEST/bin/minio"
