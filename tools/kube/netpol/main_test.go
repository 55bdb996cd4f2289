package main

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func pod(ns, name, node, ip string, l map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: l},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{PodIP: ip, Phase: corev1.PodRunning},
	}
}

func TestDatabaseIngressAllowsOnlyBackend(t *testing.T) {
	port := intstr.FromInt32(5432)
	tcp := corev1.ProtocolTCP
	s := state{
		node: "n1",
		pods: []*corev1.Pod{
			pod("app", "db", "n1", "10.244.0.5", map[string]string{"component": "database"}),
			pod("app", "api", "n1", "10.244.0.6", map[string]string{"component": "backend"}),
			pod("app", "intruder", "n1", "10.244.0.7", map[string]string{"component": "intruder"}),
			pod("app", "elsewhere", "n2", "10.244.1.9", map[string]string{"component": "database"}),
		},
		namespaces: map[string]labels.Set{"app": {"kubernetes.io/metadata.name": "app"}},
		policies: []*netv1.NetworkPolicy{{
			ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "database-ingress"},
			Spec: netv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"component": "database"}},
				PolicyTypes: []netv1.PolicyType{netv1.PolicyTypeIngress},
				Ingress: []netv1.NetworkPolicyIngressRule{{
					From:  []netv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"component": "backend"}}}},
					Ports: []netv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}},
				}},
			},
		}},
	}
	out := s.render()
	if !strings.Contains(out, "-d 10.244.0.5/32") {
		t.Fatalf("database pod is not isolated:\n%s", out)
	}
	if !strings.Contains(out, "-s 10.244.0.6/32 -p tcp --dport 5432 -j MARK") {
		t.Fatalf("backend is not allowed to the database:\n%s", out)
	}
	if strings.Contains(out, "10.244.0.7") {
		t.Fatalf("intruder appears in an allow rule:\n%s", out)
	}
	if strings.Contains(out, "10.244.1.9") {
		t.Fatalf("a pod of another node got chains here:\n%s", out)
	}
	if !strings.Contains(out, "-j DROP") {
		t.Fatalf("no default drop for the isolated pod:\n%s", out)
	}
}

func TestIPBlockExceptUsesSubChain(t *testing.T) {
	s := state{
		node:       "n1",
		pods:       []*corev1.Pod{pod("app", "api", "n1", "10.244.0.6", map[string]string{"component": "backend"})},
		namespaces: map[string]labels.Set{},
		policies: []*netv1.NetworkPolicy{{
			ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: "backend-ingress"},
			Spec: netv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{},
				PolicyTypes: []netv1.PolicyType{netv1.PolicyTypeIngress},
				Ingress: []netv1.NetworkPolicyIngressRule{{
					From: []netv1.NetworkPolicyPeer{{IPBlock: &netv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.244.0.0/16"}}}},
				}},
			},
		}},
	}
	out := s.render()
	if !strings.Contains(out, "-s 10.244.0.0/16 -j RETURN") || !strings.Contains(out, "-s 0.0.0.0/0  -j DBNP-X-") {
		t.Fatalf("except not rendered as a RETURN in a sub-chain:\n%s", out)
	}
}
