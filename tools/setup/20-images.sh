#!/usr/bin/env bash
# Builds the reference stack's images (debootstrap base, postgres, gravl-backend v1/v2/v3/broken, frontend,
# prometheus, alertmanager, loki, promtail, chaos-mesh-controller, k6-operator, k6-runner, sealed-secrets-controller) if missing. Idempotent: a warm machine only runs `docker image inspect`.
# DRILLBOOK_IMAGES="base postgres" limits the set (default: all). Cold: Loki's go build dominates (~16 min
# for loki + more for promtail on 2 busy cores); the Go toolchain must be on PATH (preinstalled, Go >= 1.26.5).
# k6-operator is built from its release source in ../shared/vendor (or $DRILLBOOK_VENDOR_DIR; a clone of the tag
# with internet), sha256-checked (tools/images/k6-operator.prerequisite.ts); k6-runner takes the cached k6 build.
# sealed-secrets-controller: controller + kubeseal from the Go module (tools/images/sealed-secrets.prerequisite.ts).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck disable=SC1091
source "$ROOT/tools/env.sh"
[ -x /usr/local/go/bin/go ] && PATH="$PATH:/usr/local/go/bin"
command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
# shellcheck disable=SC2086
node "$ROOT/tools/images/build.ts" ${DRILLBOOK_IMAGES:-}
