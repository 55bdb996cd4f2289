#!/usr/bin/env bash
# Builds the small pieces a kind cluster needs besides the Kubernetes binaries, each from source through the Go
# module proxy (no registry), each cached in $CACHE/<thing>/<version> with a .complete marker:
#   kind CLI, etcd (wrapper main: its server module uses local replaces, so it is not go-install-able),
#   coredns, local-path-provisioner, pause (static C).
#
#   build-addons.sh CACHE_ROOT KIND_VERSION ETCD_VERSION COREDNS_VERSION LOCAL_PATH_VERSION PAUSE_VERSION
set -euo pipefail
CACHE="${1:?cache root}"; KIND_V="${2:?}"; ETCD_V="${3:?}"; COREDNS_V="${4:?}"; LP_V="${5:?}"; PAUSE_V="${6:?}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath"
# One builder at a time (a parallel bootstrap or another worktree): the others wait, then find the cache.
mkdir -p "$CACHE"
exec 9>"$CACHE/.build-addons.lock"
flock 9

done_or() { # done_or DIR NAME: true when DIR/.complete exists
  if [ -f "$1/.complete" ]; then echo "$2: cached in $1"; return 0; fi
  rm -rf "$1" && mkdir -p "$1"; echo "$2: building into $1"; return 1
}

d="$CACHE/kind/$KIND_V"
done_or "$d" "kind $KIND_V" || { GOBIN="$d" go install "sigs.k8s.io/kind@$KIND_V" && touch "$d/.complete"; }

d="$CACHE/etcd/$ETCD_V"
if ! done_or "$d" "etcd $ETCD_V"; then
  w="$d/.work"; mkdir -p "$w"
  cat > "$w/main.go" <<'GO'
// etcd server entry point: the same call etcd's own main package makes.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  printf 'module drillbook.local/etcd\n\ngo 1.23\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_V" > "$w/go.mod"
  (cd "$w" && GOFLAGS="$GOFLAGS -mod=mod" go mod tidy && go build -ldflags "-s -w" -o "$d/etcd" .)
  "$d/etcd" --version | sed -n 1p   # sed reads to the end; head closed the pipe early (SIGPIPE: exit 141 under pipefail)
  rm -rf "$w"; touch "$d/.complete"
fi

d="$CACHE/coredns/$COREDNS_V"
done_or "$d" "coredns $COREDNS_V" || { GOBIN="$d" go install -ldflags "-s -w" "github.com/coredns/coredns@$COREDNS_V" && touch "$d/.complete"; }

d="$CACHE/local-path-provisioner/$LP_V"
if ! done_or "$d" "local-path-provisioner $LP_V"; then
  src="$(go mod download -json "github.com/rancher/local-path-provisioner@$LP_V" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  w="$d/.work"; cp -r "$src" "$w"; chmod -R u+w "$w"
  (cd "$w" && GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w -X main.VERSION=$LP_V" -o "$d/local-path-provisioner" .)
  rm -rf "$w"; touch "$d/.complete"
fi

d="$CACHE/pause/$PAUSE_V"
done_or "$d" "pause $PAUSE_V" || { gcc -Os -static -o "$d/pause" "$HERE/pause/pause.c" && strip "$d/pause" && touch "$d/.complete"; }

# drillbook-netpol (our NetworkPolicy enforcer, tools/kube/netpol), keyed by the hash of its sources.
NETPOL_V="$(cat "$HERE/netpol/main.go" "$HERE/netpol/go.mod" "$HERE/netpol/go.sum" | sha256sum | cut -c1-8)"
d="$CACHE/netpol/$NETPOL_V"
done_or "$d" "netpol $NETPOL_V" || { (cd "$HERE/netpol" && go build -ldflags "-s -w" -o "$d/drillbook-netpol" .) && touch "$d/.complete"; }
