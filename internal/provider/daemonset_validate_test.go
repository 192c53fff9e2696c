package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

func TestWarnWhenNoNodeEligible(t *testing.T) {
	gpuNode := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "gpu-1", Labels: map[string]string{"gpu": "true"}}}
	tainted := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "infra-1"},
		Spec: corev1.NodeSpec{Taints: []corev1.Taint{{Key: "dedicated", Value: "infra", Effect: corev1.TaintEffectNoSchedule}}}}
	withSelector := func(selector map[string]string) *appsv1.DaemonSet {
		return &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{NodeSelector: selector}}}}
	}
	tests := []struct {
		name        string
		nodes       []*corev1.Node
		ds          *appsv1.DaemonSet
		wantWarning string // empty: no warning
	}{
		{"one node eligible", []*corev1.Node{gpuNode, tainted}, withSelector(map[string]string{"gpu": "true"}), ""},
		{"no node eligible", []*corev1.Node{gpuNode, tainted}, withSelector(map[string]string{"disk": "ssd"}), "None of the cluster's 2 nodes would run this DaemonSet's pod (2 node_selector)"},
		{"taint and selector", []*corev1.Node{gpuNode, tainted}, withSelector(nil), ""},
		{"no nodes at all", nil, withSelector(nil), "The DaemonSet will run no pod until nodes join"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := fake.NewClientset()
			for _, n := range tt.nodes {
				if _, err := cs.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			var diags diag.Diagnostics
			warnWhenNoNodeEligible(context.Background(), &kubeclient.Client{Clientset: cs, Nodes: rollout.NewSharedNodes(cs, time.Minute)}, tt.ds, &diags)
			if tt.wantWarning == "" {
				if len(diags) != 0 {
					t.Fatalf("unexpected diagnostics: %v", diags)
				}
				return
			}
			if len(diags) != 1 || diags.HasError() || !strings.Contains(diags[0].Detail(), tt.wantWarning) {
				t.Fatalf("diagnostics = %v, want one warning containing %q", diags, tt.wantWarning)
			}
		})
	}
}
