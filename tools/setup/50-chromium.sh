#!/usr/bin/env bash
# Debian's chromium for the HTML report tests (reports/*.integration.test.ts render the report headless and
# take a screenshot). Idempotent: does nothing when /usr/bin/chromium already runs.
set -euo pipefail
log() { printf '\033[1m[50-chromium]\033[0m %s\n' "$*"; }
if [ -x /usr/bin/chromium ] && /usr/bin/chromium --headless --no-sandbox --version >/dev/null 2>&1; then
  log "$(/usr/bin/chromium --version 2>/dev/null) already installed"
  exit 0
fi
log "apt-get install chromium fonts-dejavu-core"
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
log "$(/usr/bin/chromium --version 2>/dev/null)"
