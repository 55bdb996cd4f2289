// drillbook-netpol enforces Kubernetes NetworkPolicy on one node with iptables (kindnetd, which does this in
// kind, cannot be built here: its module is not served by the Go proxy, and this kernel lacks nft_queue).
//
// It watches pods, namespaces and policies, and for every pod on its node that a policy isolates it renders
// per-pod chains in the filter table, jumped to from FORWARD (bridged traffic passes FORWARD because the node
// sets net.bridge.bridge-nf-call-iptables=1). A packet of a new connection must be allowed by the source pod's
// egress policies (if it is isolated for egress) and by the destination pod's ingress policies (if isolated
// for ingress). Supported: podSelector, namespaceSelector, both, ipBlock with except, ports with protocol,
// numeric or named (ingress) ports and endPort. Replies of allowed connections pass through conntrack.
// Traffic from the node itself (kubelet probes) does not traverse FORWARD and is not filtered.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
)

const (
	mainChain = "DRILLBOOK-NETPOL"
	prefix    = "DBNP-"
	allowMark = "0x20000/0x20000"
	clearMark = "0x0/0x20000"
)

type state struct {
	node       string
	pods       []*corev1.Pod
	namespaces map[string]labels.Set
	policies   []*netv1.NetworkPolicy
}

func main() {
	node := os.Getenv("NODE_NAME")
	if node == "" {
		log.Fatal("NODE_NAME is not set (use the downward API: spec.nodeName)")
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		log.Fatalf("in-cluster config: %v", err)
	}
	client := kubernetes.NewForConfigOrDie(cfg)
	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	pods := factory.Core().V1().Pods()
	nss := factory.Core().V1().Namespaces()
	nps := factory.Networking().V1().NetworkPolicies()
	changed := make(chan struct{}, 1)
	poke := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { poke() },
		UpdateFunc: func(any, any) { poke() },
		DeleteFunc: func(any) { poke() },
	}
	for _, inf := range []cache.SharedIndexInformer{pods.Informer(), nss.Informer(), nps.Informer()} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			log.Fatal(err)
		}
	}
	ctx := context.Background()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	if err := ensureJump(); err != nil {
		log.Fatalf("iptables: %v", err)
	}
	log.Printf("drillbook-netpol on %s: caches synced", node)
	resync := time.NewTicker(30 * time.Second)
	last := ""
	for {
		allPods, _ := pods.Lister().List(labels.Everything())
		allNs, _ := nss.Lister().List(labels.Everything())
		allNp, _ := nps.Lister().List(labels.Everything())
		sort.Slice(allNp, func(i, j int) bool {
			return allNp[i].Namespace+"/"+allNp[i].Name < allNp[j].Namespace+"/"+allNp[j].Name
		})
		s := state{node: node, pods: allPods, namespaces: map[string]labels.Set{}, policies: allNp}
		for _, ns := range allNs {
			s.namespaces[ns.Name] = labels.Set(ns.Labels)
		}
		rules := s.render()
		if rules != last {
			if err := apply(rules); err != nil {
				log.Printf("apply failed (will retry): %v", err)
			} else {
				last = rules
				log.Printf("applied %d lines for %d policies", strings.Count(rules, "\n"), len(allNp))
			}
		}
		select {
		case <-changed:
			time.Sleep(200 * time.Millisecond) // coalesce bursts of events into one iptables-restore
		case <-resync.C:
			if err := ensureJump(); err != nil {
				log.Printf("iptables: %v", err)
			}
		}
	}
}

func chainName(kind, key string) string {
	sum := sha256.Sum256([]byte(key))
	return prefix + kind + "-" + strings.ToUpper(hex.EncodeToString(sum[:]))[:12]
}

func selects(sel *metav1.LabelSelector, set labels.Set) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(set)
}

func hasType(p *netv1.NetworkPolicy, t netv1.PolicyType) bool {
	if len(p.Spec.PolicyTypes) == 0 {
		return t == netv1.PolicyTypeIngress || len(p.Spec.Egress) > 0
	}
	for _, pt := range p.Spec.PolicyTypes {
		if pt == t {
			return true
		}
	}
	return false
}

func live(p *corev1.Pod) bool {
	return p.Status.PodIP != "" && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// peerIPs returns the pod IPs a peer designates (ipBlocks are handled separately).
func (s *state) peerIPs(policyNs string, peer netv1.NetworkPolicyPeer) []string {
	var ips []string
	for _, p := range s.pods {
		if !live(p) {
			continue
		}
		if peer.NamespaceSelector == nil && p.Namespace != policyNs {
			continue
		}
		if peer.NamespaceSelector != nil && !selects(peer.NamespaceSelector, s.namespaces[p.Namespace]) {
			continue
		}
		if peer.PodSelector != nil && !selects(peer.PodSelector, labels.Set(p.Labels)) {
			continue
		}
		ips = append(ips, p.Status.PodIP)
	}
	sort.Strings(ips)
	return ips
}

// portMatches renders the iptables matches of a rule's ports ("" = any port). Named ports resolve against
// `named` (the ingress pod's containers); an unresolvable name matches nothing and is skipped.
func portMatches(ports []netv1.NetworkPolicyPort, named *corev1.Pod) []string {
	if len(ports) == 0 {
		return []string{""}
	}
	var out []string
	for _, p := range ports {
		proto := "tcp"
		if p.Protocol != nil {
			proto = strings.ToLower(string(*p.Protocol))
		}
		if p.Port == nil {
			out = append(out, "-p "+proto)
			continue
		}
		number := int(p.Port.IntVal)
		if p.Port.StrVal != "" && named != nil {
			for _, c := range named.Spec.Containers {
				for _, cp := range c.Ports {
					if cp.Name == p.Port.StrVal {
						number = int(cp.ContainerPort)
					}
				}
			}
		}
		if number == 0 {
			continue
		}
		if p.EndPort != nil {
			out = append(out, fmt.Sprintf("-p %s --dport %d:%d", proto, number, *p.EndPort))
		} else {
			out = append(out, fmt.Sprintf("-p %s --dport %d", proto, number))
		}
	}
	return out
}

type ruleSet struct {
	chains []string
	lines  []string
}

func (r *ruleSet) chain(name string) {
	r.chains = append(r.chains, name)
}
func (r *ruleSet) add(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

// allow renders, in `chain`, the rules marking packets an ingress (dir "-s") or egress (dir "-d") rule allows.
func (s *state) allow(r *ruleSet, chain, dir, policyNs string, peers []netv1.NetworkPolicyPeer, ports []string) {
	if len(peers) == 0 {
		for _, pm := range ports {
			r.add("-A %s %s -j MARK --set-xmark %s", chain, pm, allowMark)
		}
		return
	}
	for i, peer := range peers {
		if peer.IPBlock != nil {
			target := "MARK --set-xmark " + allowMark
			if len(peer.IPBlock.Except) > 0 {
				sub := chainName("X", fmt.Sprintf("%s/%d/%d", chain, len(r.chains), i))
				r.chain(sub)
				for _, ex := range peer.IPBlock.Except {
					r.add("-A %s %s %s -j RETURN", sub, dir, ex)
				}
				r.add("-A %s -j MARK --set-xmark %s", sub, allowMark)
				target = sub
			}
			for _, pm := range ports {
				r.add("-A %s %s %s %s -j %s", chain, dir, peer.IPBlock.CIDR, pm, target)
			}
			continue
		}
		for _, ip := range s.peerIPs(policyNs, peer) {
			for _, pm := range ports {
				r.add("-A %s %s %s/32 %s -j MARK --set-xmark %s", chain, dir, ip, pm, allowMark)
			}
		}
	}
}

func (s *state) render() string {
	r := &ruleSet{}
	r.add("-A %s -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN", mainChain)
	var local []*corev1.Pod
	for _, p := range s.pods {
		if p.Spec.NodeName == s.node && live(p) && !p.Spec.HostNetwork {
			local = append(local, p)
		}
	}
	sort.Slice(local, func(i, j int) bool {
		return local[i].Namespace+"/"+local[i].Name < local[j].Namespace+"/"+local[j].Name
	})
	for _, dirName := range []string{"egress", "ingress"} {
		for _, p := range local {
			var selected []*netv1.NetworkPolicy
			for _, np := range s.policies {
				t := netv1.PolicyTypeIngress
				if dirName == "egress" {
					t = netv1.PolicyTypeEgress
				}
				if np.Namespace == p.Namespace && hasType(np, t) && selects(&np.Spec.PodSelector, labels.Set(p.Labels)) {
					selected = append(selected, np)
				}
			}
			if len(selected) == 0 {
				continue
			}
			key := p.Namespace + "/" + p.Name + "/" + dirName
			chain := chainName(strings.ToUpper(dirName[:1]), key)
			r.chain(chain)
			if dirName == "egress" {
				r.add("-A %s -s %s/32 -m comment --comment \"%s egress\" -j %s", mainChain, p.Status.PodIP, key, chain)
				for _, np := range selected {
					for _, rule := range np.Spec.Egress {
						s.allow(r, chain, "-d", np.Namespace, rule.To, portMatches(rule.Ports, nil))
					}
				}
			} else {
				r.add("-A %s -d %s/32 -m comment --comment \"%s ingress\" -j %s", mainChain, p.Status.PodIP, key, chain)
				for _, np := range selected {
					for _, rule := range np.Spec.Ingress {
						s.allow(r, chain, "-s", np.Namespace, rule.From, portMatches(rule.Ports, p))
					}
				}
			}
			r.add("-A %s -m mark ! --mark %s -m comment --comment \"%s denied\" -j DROP", chain, allowMark, key)
			r.add("-A %s -j MARK --set-xmark %s", chain, clearMark)
		}
	}
	var b strings.Builder
	for _, c := range r.chains {
		fmt.Fprintf(&b, "%s\n", c)
	}
	b.WriteString("--\n")
	for _, l := range r.lines {
		fmt.Fprintf(&b, "%s\n", l)
	}
	return b.String()
}

func iptables(args ...string) ([]byte, error) {
	out, err := exec.Command("iptables", append([]string{"-w", "5"}, args...)...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("iptables %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return out, nil
}

func ensureJump() error {
	if _, err := iptables("-t", "filter", "-S", mainChain); err != nil {
		if _, err := iptables("-t", "filter", "-N", mainChain); err != nil {
			return err
		}
	}
	if _, err := iptables("-t", "filter", "-C", "FORWARD", "-j", mainChain); err != nil {
		_, err = iptables("-t", "filter", "-I", "FORWARD", "1", "-j", mainChain)
		return err
	}
	return nil
}

// apply replaces the main chain and every per-pod chain atomically, and deletes chains no longer used.
func apply(rendered string) error {
	parts := strings.SplitN(rendered, "--\n", 2)
	wanted := map[string]bool{}
	var in bytes.Buffer
	in.WriteString("*filter\n")
	fmt.Fprintf(&in, ":%s - [0:0]\n", mainChain)
	for _, c := range strings.Fields(parts[0]) {
		wanted[c] = true
		fmt.Fprintf(&in, ":%s - [0:0]\n", c)
	}
	existing, err := iptables("-t", "filter", "-S")
	if err != nil {
		return err
	}
	var stale []string
	for _, line := range strings.Split(string(existing), "\n") {
		if name, ok := strings.CutPrefix(line, "-N "+prefix); ok && !wanted[prefix+name] {
			stale = append(stale, prefix+name)
			fmt.Fprintf(&in, ":%s - [0:0]\n", prefix+name)
		}
	}
	in.WriteString(parts[1])
	for _, c := range stale {
		fmt.Fprintf(&in, "-X %s\n", c)
	}
	in.WriteString("COMMIT\n")
	cmd := exec.Command("iptables-restore", "-w", "5", "--noflush")
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("iptables-restore: %v: %s\ninput:\n%s", err, out, in.String())
	}
	return nil
}
