#!/usr/bin/env bash
# k6: built from source (`go install go.k6.io/k6@<pinned>`, see tools/k6/k6.installer.ts) into
# $DRILLBOOK_CACHE/k6/<version>/bin/k6. Idempotent: a warm cache returns in well under a second.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=/dev/null
source "$ROOT/tools/env.sh"
# Go is preinstalled under /usr/local/go on these machines, but a non-login shell may not have it on PATH
command -v go >/dev/null 2>&1 || { [ -x /usr/local/go/bin/go ] && PATH="/usr/local/go/bin:$PATH"; }
if ! command -v go >/dev/null 2>&1; then
  echo "30-k6: Go is required to build k6 (no prebuilt binary can be downloaded); install Go >= 1.25 first" >&2
  exit 1
fi
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' 2>/dev/null; then
  echo "30-k6: Node >= 22.22 is required (run tools/bootstrap.sh, or source tools/env.sh after it)" >&2
  exit 1
fi
node "$ROOT/tools/k6/k6.installer.ts" >/dev/null
