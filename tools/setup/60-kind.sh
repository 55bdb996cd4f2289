#!/usr/bin/env bash
# kind toolchain for the e2e tier: kind CLI, Kubernetes binaries, etcd, coredns, pause, local-path-provisioner
# and the kind node image, all built locally (no registry) and cached under $DRILLBOOK_CACHE keyed by version.
# Cold: 30-60 min on 2 cores (mostly the Kubernetes binaries); warm: seconds. Versions: tools/kube/versions.ts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${DRILLBOOK_CACHE:-$HOME/.cache/drillbook}"
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
command -v go >/dev/null || { echo "60-kind: Go is required (preinstalled on these machines)" >&2; exit 1; }
v() { sed -n "s/^ *$1: '\\(.*\\)',/\\1/p" "$ROOT/tools/kube/versions.ts"; }
KUBE="$(v kubernetes)"; KIND="$(v kind)"; ETCD="$(v etcd)"; COREDNS="$(v coredns)"; PAUSE="$(v pause)"; LP="$(v localPathProvisioner)"
nice -n 19 "$ROOT/tools/kube/build-kube-binaries.sh" "$KUBE" "$CACHE/kube/$KUBE"
# --kube-binaries-only: just the step above (bootstrap.sh starts it early, in the background; it locks and caches)
[ "${1:-}" = --kube-binaries-only ] && exit 0
nice -n 19 "$ROOT/tools/kube/build-addons.sh" "$CACHE" "$KIND" "$ETCD" "$COREDNS" "$LP" "$PAUSE"
"$ROOT/tools/kube/build-node-image.sh" "$CACHE" "$KUBE" "$ETCD" "$COREDNS" "$LP" "$PAUSE" | tail -1
