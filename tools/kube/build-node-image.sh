#!/usr/bin/env bash
# Assembles a kind node image offline (`kind build node-image` would fetch images from registries):
#   1. a Debian bookworm minbase root file system (debootstrap, cached tarball) imported into Docker;
#   2. every image kubeadm needs, built locally under the exact tag kubeadm asks for (static Go binaries in FROM
#      scratch images; kube-proxy gets iptables), plus local-path-provisioner and its helper;
#   3. the node root file system: systemd 252, containerd/runc/CNI plugins from bookworm, the Kubernetes binaries,
#      our entrypoint, units and manifests (tools/kube/node/files);
#   4. a throw-away container of (3) runs containerd, imports the images of (2) (pinned), and is committed.
# Every image is labelled app.kubernetes.io/managed-by=drillbook. Inputs are hashed into the tag, so a warm run
# is a `docker image inspect`.
#
#   build-node-image.sh CACHE_ROOT KUBE_VERSION ETCD_VERSION COREDNS_VERSION LOCAL_PATH_VERSION PAUSE_VERSION
# Prints the node image tag on the last line of stdout.
set -euo pipefail
CACHE="${1:?}"; KUBE_V="${2:?}"; ETCD_V="${3:?}"; COREDNS_V="${4:?}"; LP_V="${5:?}"; PAUSE_V="${6:?}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LABEL="app.kubernetes.io/managed-by=drillbook"
log() { echo "[node-image] $*" >&2; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
hash_of() { sha256sum | cut -c1-8; }

KUBE_BIN="$CACHE/kube/$KUBE_V"; ETCD_BIN="$CACHE/etcd/$ETCD_V"; COREDNS_BIN="$CACHE/coredns/$COREDNS_V"
LP_BIN="$CACHE/local-path-provisioner/$LP_V"; PAUSE_BIN="$CACHE/pause/$PAUSE_V"
NETPOL_V="$(cat "$HERE/netpol/main.go" "$HERE/netpol/go.mod" "$HERE/netpol/go.sum" | sha256sum | cut -c1-8)"
NETPOL_BIN="$CACHE/netpol/$NETPOL_V"

tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

# --- 1. bookworm minbase ------------------------------------------------------------------------------------
MINBASE="drillbook/kind-minbase:bookworm-$(printf 'minbase bookworm v1' | hash_of)"
if ! have_image "$MINBASE"; then
  tarball="$CACHE/kind-minbase/bookworm-v1/rootfs.tar"
  if [ ! -f "$tarball" ]; then
    log "debootstrap bookworm minbase (about 1 min)"
    mkdir -p "$(dirname "$tarball")"
    debootstrap --variant=minbase bookworm "$tmp/rootfs" http://deb.debian.org/debian >"$tmp/debootstrap.log" 2>&1 \
      || { tail -20 "$tmp/debootstrap.log" >&2; exit 1; }
    rm -rf "$tmp/rootfs/var/lib/apt/lists/"* "$tmp/rootfs/var/cache/apt/"*.bin
    tar -C "$tmp/rootfs" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
    rm -rf "$tmp/rootfs"
  fi
  docker import --change "LABEL $LABEL" "$tarball" "$MINBASE" >/dev/null
fi
log "minbase $MINBASE"
[ "${MINBASE_ONLY:-}" = 1 ] && exit 0
for d in "$KUBE_BIN" "$ETCD_BIN" "$COREDNS_BIN" "$LP_BIN" "$PAUSE_BIN" "$NETPOL_BIN"; do
  [ -f "$d/.complete" ] || { echo "missing build in $d: run tools/setup/60-kind.sh (or ensureKindToolchain())" >&2; exit 1; }
done

build() { # build TAG DOCKERFILE_TEXT CONTEXT_DIR
  if have_image "$1"; then log "cached $1"; return; fi
  log "building $1"
  printf '%s\n' "$2" > "$3/Dockerfile"
  nice -n 19 docker build -q --label "$LABEL" -t "$1" "$3" >/dev/null
}
static_image() { # static_image TAG BINARY [entrypoint]
  local ctx="$tmp/ctx-$(basename "$2")"; mkdir -p "$ctx"; cp "$2" "$ctx/"
  local ep=""; [ -n "${3:-}" ] && ep="ENTRYPOINT [\"/usr/local/bin/$(basename "$2")\"]"
  build "$1" "FROM scratch
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY $(basename "$2") /usr/local/bin/$(basename "$2")
$ep" "$ctx"
}

# --- 2. the images kubeadm names (exact tags), plus storage ------------------------------------------------
IMAGES=()
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  static_image "registry.k8s.io/$c:$KUBE_V" "$KUBE_BIN/$c"; IMAGES+=("registry.k8s.io/$c:$KUBE_V")
done
ctx="$tmp/ctx-kube-proxy"; mkdir -p "$ctx"; cp "$KUBE_BIN/kube-proxy" "$ctx/"
build "registry.k8s.io/kube-proxy:$KUBE_V" "FROM $MINBASE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iptables conntrack ipset nftables kmod >/dev/null && rm -rf /var/lib/apt/lists/*
COPY kube-proxy /usr/local/bin/kube-proxy" "$ctx"
IMAGES+=("registry.k8s.io/kube-proxy:$KUBE_V")
ETCD_TAG="registry.k8s.io/etcd:${ETCD_V#v}-0"
static_image "$ETCD_TAG" "$ETCD_BIN/etcd"; IMAGES+=("$ETCD_TAG")
ctx="$tmp/ctx-coredns"; mkdir -p "$ctx"; cp "$COREDNS_BIN/coredns" "$ctx/"
build "registry.k8s.io/coredns/coredns:$COREDNS_V" "FROM scratch
COPY coredns /coredns
ENTRYPOINT [\"/coredns\"]" "$ctx"
IMAGES+=("registry.k8s.io/coredns/coredns:$COREDNS_V")
ctx="$tmp/ctx-pause"; mkdir -p "$ctx"; cp "$PAUSE_BIN/pause" "$ctx/"
build "registry.k8s.io/pause:$PAUSE_V" "FROM scratch
COPY pause /pause
ENTRYPOINT [\"/pause\"]" "$ctx"
IMAGES+=("registry.k8s.io/pause:$PAUSE_V")
LP_IMAGE="drillbook/local-path-provisioner:$LP_V"
static_image "$LP_IMAGE" "$LP_BIN/local-path-provisioner"; IMAGES+=("$LP_IMAGE")
LP_HELPER="drillbook/local-path-helper:${MINBASE##*:}"
NETPOL_IMAGE="drillbook/netpol:$NETPOL_V"
ctx="$tmp/ctx-netpol"; mkdir -p "$ctx"; cp "$NETPOL_BIN/drillbook-netpol" "$ctx/"
build "$NETPOL_IMAGE" "FROM registry.k8s.io/kube-proxy:$KUBE_V
COPY drillbook-netpol /usr/local/bin/drillbook-netpol
ENTRYPOINT [\"/usr/local/bin/drillbook-netpol\"]" "$ctx"
IMAGES+=("$NETPOL_IMAGE")
build "$LP_HELPER" "FROM $MINBASE" "$(mkdir -p "$tmp/ctx-helper" && echo "$tmp/ctx-helper")"; IMAGES+=("$LP_HELPER")

# --- 3. node root file system ------------------------------------------------------------------------------
PKGS="systemd systemd-sysv dbus containerd runc containernetworking-plugins iptables nftables ipset conntrack ethtool socat iproute2 util-linux mount procps kmod ca-certificates libseccomp2 bash"
inputs_hash="$( { echo "$KUBE_V $ETCD_V $COREDNS_V $LP_V $PAUSE_V $NETPOL_V $PKGS"; cat "$0"; tar -C "$HERE/node/files" --sort=name --mtime=@0 --owner=0 --group=0 -c . ; } | hash_of)"
NODE="drillbook/kind-node:$KUBE_V-$inputs_hash"
if have_image "$NODE"; then log "cached $NODE"; echo "$NODE"; exit 0; fi

ctx="$tmp/ctx-node"; mkdir -p "$ctx/bin"
cp -a "$HERE/node/files" "$ctx/files"
cp "$KUBE_BIN/kubeadm" "$KUBE_BIN/kubelet" "$KUBE_BIN/kubectl" "$ctx/bin/"
echo "$KUBE_V" > "$ctx/files/kind/version"
sed -i -e "s#__NETPOL_IMAGE__#$NETPOL_IMAGE#g" "$ctx/files/kind/manifests/default-cni.yaml"
sed -i -e "s#__PROVISIONER_IMAGE__#$LP_IMAGE#g" -e "s#__HELPER_IMAGE__#$LP_HELPER#g" "$ctx/files/kind/manifests/default-storage.yaml"
sed -i -e "s#registry.k8s.io/pause:3.10#registry.k8s.io/pause:$PAUSE_V#" "$ctx/files/etc/containerd/config.toml"
ROOTFS="drillbook/kind-node-rootfs:$KUBE_V-$inputs_hash"
build "$ROOTFS" "FROM $MINBASE
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS >/dev/null \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
COPY bin/ /usr/bin/
COPY files/ /
RUN set -e; : > /etc/machine-id; rm -f /var/lib/dbus/machine-id; \\
    systemctl enable containerd kubelet drillbook-podnet; \\
    systemctl mask getty.target console-getty.service systemd-udevd.service systemd-udevd-control.socket \\
      systemd-udevd-kernel.socket systemd-udev-trigger.service systemd-modules-load.service \\
      systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service \\
      systemd-networkd-wait-online.service fstrim.timer sys-kernel-debug.mount sys-kernel-tracing.mount \\
      systemd-remount-fs.service systemd-firstboot.service; \\
    systemctl set-default multi-user.target; \\
    mkdir -p /etc/cni/net.d /var/lib/kubelet /etc/kubernetes/manifests; \\
    kubeadm version -o short | grep -qx $KUBE_V
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT [\"/usr/local/bin/entrypoint\", \"/sbin/init\"]" "$ctx"

# --- 4. pre-import the images into the node's containerd and commit --------------------------------------
log "importing ${#IMAGES[@]} images into the node's containerd"
cid="$("$HERE/docker-shim/docker" run -d --privileged --label "$LABEL" --entrypoint /bin/sleep "$ROOTFS" infinity)"
cleanup() { docker rm -f "$cid" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
docker exec -d "$cid" sh -c 'containerd >/tmp/containerd.log 2>&1'
for _ in $(seq 1 100); do docker exec "$cid" ctr version >/dev/null 2>&1 && break; sleep 0.2; done
for img in "${IMAGES[@]}"; do
  # --no-unpack: unpacking needs overlayfs, unusable here on Docker's overlay2; the CRI unpacks on first use.
  docker save "$img" | docker exec -i "$cid" ctr -n k8s.io images import --no-unpack --all-platforms - >/dev/null
done
docker exec "$cid" sh -c 'for i in $(ctr -n k8s.io images ls -q); do ctr -n k8s.io images label "$i" io.cri-containerd.pinned=pinned >/dev/null; done'
imported="$(docker exec "$cid" ctr -n k8s.io images ls -q)"
for img in "${IMAGES[@]}"; do
  case "${img%%/*}" in *.*) want="$img" ;; *) want="docker.io/$img" ;; esac
  grep -qxF "$want" <<< "$imported" || { echo "image $want missing from the node's containerd after import" >&2; echo "$imported" >&2; exit 1; }
done
docker exec "$cid" sh -c 'kill -TERM $(pidof containerd); while pidof containerd >/dev/null; do sleep 0.2; done; rm -f /tmp/containerd.log'
docker commit --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' --change 'CMD []' \
  --change 'ENV container=docker' --change "LABEL $LABEL" \
  "$cid" "$NODE" >/dev/null
log "node image $NODE"
echo "$NODE"
