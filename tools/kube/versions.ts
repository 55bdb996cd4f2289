// Pinned versions of everything a drillbook kind cluster is built from. Each heavy result is cached in
// cacheDir(<thing>, <version>), so bumping one here rebuilds only that piece.
// Kubernetes stays on 1.33: kubelet 1.35 refuses cgroup v1, which these machines run.
export const KUBE_TOOLCHAIN = {
  /** k8s.io/kubernetes module; staging modules are pinned to v0.<minor>.<patch> of the same release. */
  kubernetes: 'v1.33.13',
  /** sigs.k8s.io/kind CLI. */
  kind: 'v0.29.0',
  /** kubeadm 1.33's DefaultEtcdVersion is 3.5.24-0 (cmd/kubeadm/app/constants). */
  etcd: 'v3.5.24',
  /** kubeadm 1.33's CoreDNSVersion. */
  coredns: 'v1.12.0',
  /** kubeadm 1.33's PauseVersion; built here from tools/kube/pause/pause.c. */
  pause: '3.10',
  /** github.com/rancher/local-path-provisioner: the newest release the module proxy serves here. */
  localPathProvisioner: 'v0.0.30',
} as const;

export type KubeToolchainVersions = typeof KUBE_TOOLCHAIN;
