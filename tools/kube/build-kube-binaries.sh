#!/usr/bin/env bash
# Builds the Kubernetes server/node binaries of one release from the k8s.io/kubernetes Go module, offline from a
# registry (only the Go module proxy is used). k8s.io/kubernetes is not `go install`-able because its go.mod
# replaces the staging modules (k8s.io/api, k8s.io/client-go...) with local paths, so we build through a wrapper
# module that requires it and replaces every staging module with its published v0.<minor>.<patch> twin.
#
#   build-kube-binaries.sh v1.33.13 OUT_DIR
#
# Idempotent: OUT_DIR/.complete marks a finished build; a warm cache returns at once.
set -euo pipefail
VERSION="${1:?usage: build-kube-binaries.sh vX.Y.Z OUT_DIR}"
OUT="${2:?usage: build-kube-binaries.sh vX.Y.Z OUT_DIR}"
COMMANDS=(kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy)
if [ -f "$OUT/.complete" ]; then echo "kube $VERSION: cached in $OUT"; exit 0; fi
# One builder at a time per version (another worktree or a parallel bootstrap may be building it): wait for it,
# then return at once if it finished.
mkdir -p "$(dirname "$OUT")"
exec 9>"$OUT.lock"
flock 9
if [ -f "$OUT/.complete" ]; then echo "kube $VERSION: cached in $OUT (built by another process)"; exit 0; fi

STAGING_VERSION="v0.${VERSION#v1.}"
WORK="$OUT.work"
mkdir -p "$WORK" "$OUT"
cd "$WORK"
export GOFLAGS="-mod=mod -buildvcs=false" CGO_ENABLED=0

# The staging module list comes from the release's own go.mod, so a new release needs no edit here.
gomod="$(go mod download -json "k8s.io/kubernetes@$VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
[ -f "$gomod" ] || { echo "could not download k8s.io/kubernetes@$VERSION from the Go module proxy" >&2; exit 1; }
mapfile -t staging < <(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$gomod" | sort -u)
[ "${#staging[@]}" -gt 10 ] || { echo "found only ${#staging[@]} staging modules in $gomod" >&2; exit 1; }

{
  echo "module drillbook.local/kube-build"
  echo
  echo "go $(sed -n 's/^go \(.*\)/\1/p' "$gomod")"
  echo
  echo "require k8s.io/kubernetes $VERSION"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do echo "	$m => $m $STAGING_VERSION"; done
  echo ")"
} > go.mod
printf 'package tools\n\nimport (\n' > tools.go
for c in "${COMMANDS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c" >> tools.go; done
printf ')\n' >> tools.go
sed -i '1i //go:build tools\n' tools.go
go mod tidy -e >/dev/null 2>&1 || true
go mod download

minor="${VERSION#v1.}"; minor="${minor%%.*}"
vpkgs=(k8s.io/component-base/version k8s.io/client-go/pkg/version)
ldflags="-s -w"
for p in "${vpkgs[@]}"; do
  ldflags+=" -X $p.gitVersion=$VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  ldflags+=" -X $p.gitCommit=drillbook-$VERSION -X $p.buildDate=1970-01-01T00:00:00Z"
done
pkgs=()
for c in "${COMMANDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
echo "kube $VERSION: building ${COMMANDS[*]} (staging $STAGING_VERSION) into $OUT"
start=$(date +%s)
go build -trimpath -ldflags "$ldflags" -o "$OUT/" "${pkgs[@]}"
"$OUT/kubeadm" version -o short | grep -qx "$VERSION" || { echo "kubeadm reports $("$OUT/kubeadm" version -o short), wanted $VERSION" >&2; exit 1; }
echo "$VERSION" > "$OUT/.complete"
echo "kube $VERSION: built in $(( $(date +%s) - start ))s"
