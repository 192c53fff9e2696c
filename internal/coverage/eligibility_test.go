package coverage

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestNodeEligibility(t *testing.T) {
	const (
		In           = corev1.NodeSelectorOpIn
		NotIn        = corev1.NodeSelectorOpNotIn
		Exists       = corev1.NodeSelectorOpExists
		DoesNotExist = corev1.NodeSelectorOpDoesNotExist
		Gt           = corev1.NodeSelectorOpGt
		Lt           = corev1.NodeSelectorOpLt

		NoSchedule       = corev1.TaintEffectNoSchedule
		NoExecute        = corev1.TaintEffectNoExecute
		PreferNoSchedule = corev1.TaintEffectPreferNoSchedule
	)
	arch := func(op corev1.NodeSelectorOperator, values ...string) func(*appsv1.DaemonSet) {
		return requiredAffinity(expressions(requirement("kubernetes.io/arch", op, values...)))
	}
	cores := func(op corev1.NodeSelectorOperator, value string) func(*appsv1.DaemonSet) {
		return requiredAffinity(expressions(requirement("cores", op, value)))
	}
	nodeNamed := func(op corev1.NodeSelectorOperator, name string) func(*appsv1.DaemonSet) {
		return requiredAffinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{requirement("metadata.name", op, name)}})
	}
	tolerate := func(key string, op corev1.TolerationOperator, value string, effect corev1.TaintEffect) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: op, Value: value, Effect: effect}
	}
	amd64 := labeled("kubernetes.io/arch", "amd64")

	tests := []struct {
		name        string
		ds          *appsv1.DaemonSet
		node        *corev1.Node
		wantReason  Reason // empty: eligible
		wantMessage string
		// wantMessagePrefix stops the comparison where detail of another package begins (a parse error).
		wantMessagePrefix bool
	}{
		{name: "no constraints", ds: daemonSet(), node: node("node-a")},

		// Template nodeName.
		{name: "nodeName is this node", ds: daemonSet(func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeName = "node-a" }), node: node("node-a")},
		{name: "nodeName is another node", ds: daemonSet(func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeName = "node-b" }), node: node("node-a"),
			wantReason: ReasonNodeName, wantMessage: `the pod template's nodeName is "node-b"`},

		// nodeSelector.
		{name: "nodeSelector matches", ds: daemonSet(nodeSelector(map[string]string{"disktype": "ssd"})), node: node("node-a", labeled("disktype", "ssd"))},
		{name: "nodeSelector value differs", ds: daemonSet(nodeSelector(map[string]string{"disktype": "ssd"})), node: node("node-a", labeled("disktype", "hdd")),
			wantReason: ReasonNodeSelector, wantMessage: "nodeSelector not matched: disktype=ssd (node has disktype=hdd)"},
		{name: "nodeSelector label missing", ds: daemonSet(nodeSelector(map[string]string{"disktype": "ssd", "zone": "a"})), node: node("node-a", labeled("zone", "a")),
			wantReason: ReasonNodeSelector, wantMessage: "nodeSelector not matched: disktype=ssd (node has no label disktype)"},
		{name: "nodeSelector and affinity both match", ds: daemonSet(nodeSelector(map[string]string{"disktype": "ssd"}), arch(In, "amd64")), node: node("node-a", amd64, labeled("disktype", "ssd"))},
		{name: "nodeSelector fails before affinity", ds: daemonSet(nodeSelector(map[string]string{"disktype": "ssd"}), arch(In, "arm64")), node: node("node-a", amd64),
			wantReason: ReasonNodeSelector, wantMessage: "nodeSelector not matched: disktype=ssd (node has no label disktype)"},
		{name: "nodeSelector matches but affinity does not", ds: daemonSet(nodeSelector(map[string]string{"disktype": "ssd"}), arch(In, "arm64")), node: node("node-a", amd64, labeled("disktype", "ssd")),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: kubernetes.io/arch In [arm64]"},

		// Required node affinity, each operator on both sides.
		{name: "affinity In matches", ds: daemonSet(arch(In, "arm64", "amd64")), node: node("node-a", amd64)},
		{name: "affinity In fails", ds: daemonSet(arch(In, "arm64", "s390x")), node: node("node-a", amd64),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: kubernetes.io/arch In [arm64, s390x]"},
		{name: "affinity NotIn matches", ds: daemonSet(arch(NotIn, "arm64")), node: node("node-a", amd64)},
		{name: "affinity NotIn fails", ds: daemonSet(arch(NotIn, "amd64")), node: node("node-a", amd64),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: kubernetes.io/arch NotIn [amd64]"},
		{name: "affinity Exists matches", ds: daemonSet(arch(Exists)), node: node("node-a", amd64)},
		{name: "affinity Exists fails", ds: daemonSet(arch(Exists)), node: node("node-a"),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: kubernetes.io/arch Exists"},
		{name: "affinity DoesNotExist matches", ds: daemonSet(arch(DoesNotExist)), node: node("node-a")},
		{name: "affinity DoesNotExist fails", ds: daemonSet(arch(DoesNotExist)), node: node("node-a", amd64),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: kubernetes.io/arch DoesNotExist"},
		{name: "affinity Gt matches", ds: daemonSet(cores(Gt, "4")), node: node("node-a", labeled("cores", "8"))},
		{name: "affinity Gt fails", ds: daemonSet(cores(Gt, "8")), node: node("node-a", labeled("cores", "8")),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: cores Gt 8"},
		{name: "affinity Lt matches", ds: daemonSet(cores(Lt, "16")), node: node("node-a", labeled("cores", "8"))},
		{name: "affinity Lt fails", ds: daemonSet(cores(Lt, "4")), node: node("node-a", labeled("cores", "8")),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: cores Lt 4"},
		{name: "affinity Gt on a non-numeric label fails", ds: daemonSet(cores(Gt, "4")), node: node("node-a", labeled("cores", "many")),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: cores Gt 4"},
		{name: "affinity matchFields metadata.name matches", ds: daemonSet(nodeNamed(In, "node-a")), node: node("node-a")},
		{name: "affinity matchFields metadata.name fails", ds: daemonSet(nodeNamed(In, "node-b")), node: node("node-a"),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: field metadata.name In [node-b]"},
		{name: "affinity matchFields metadata.name NotIn fails", ds: daemonSet(nodeNamed(NotIn, "node-a")), node: node("node-a"),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: field metadata.name NotIn [node-a]"},
		{name: "affinity terms are ORed", ds: daemonSet(requiredAffinity(
			expressions(requirement("kubernetes.io/arch", In, "arm64")),
			expressions(requirement("kubernetes.io/arch", In, "amd64")),
		)), node: node("node-a", amd64)},
		{name: "affinity requirements of a term are ANDed; message names the failing ones", ds: daemonSet(requiredAffinity(
			expressions(requirement("kubernetes.io/arch", In, "amd64"), requirement("gpu", Exists)),
			expressions(requirement("zone", In, "b")),
		)), node: node("node-a", amd64),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: gpu Exists or zone In [b]"},
		{name: "affinity empty term matches no node", ds: daemonSet(requiredAffinity(
			corev1.NodeSelectorTerm{},
			expressions(requirement("kubernetes.io/arch", In, "arm64")),
		)), node: node("node-a", amd64),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: empty term (matches no node) or kubernetes.io/arch In [arm64]"},
		{name: "affinity invalid operator matches no node", ds: daemonSet(arch("Near", "amd64")), node: node("node-a", amd64),
			wantReason: ReasonNodeAffinity, wantMessage: "required node affinity not matched: kubernetes.io/arch Near [amd64] (invalid: ", wantMessagePrefix: true},

		// Taints and the pod's own tolerations.
		{name: "NoSchedule taint not tolerated", ds: daemonSet(), node: node("node-a", tainted("dedicated", "gpu", NoSchedule)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint dedicated=gpu:NoSchedule is not tolerated"},
		{name: "NoSchedule taint tolerated with Equal", ds: daemonSet(tolerations(tolerate("dedicated", corev1.TolerationOpEqual, "gpu", NoSchedule))),
			node: node("node-a", tainted("dedicated", "gpu", NoSchedule))},
		{name: "NoSchedule taint with another value not tolerated", ds: daemonSet(tolerations(tolerate("dedicated", corev1.TolerationOpEqual, "db", NoSchedule))),
			node:       node("node-a", tainted("dedicated", "gpu", NoSchedule)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint dedicated=gpu:NoSchedule is not tolerated"},
		{name: "toleration for another effect does not tolerate", ds: daemonSet(tolerations(tolerate("dedicated", corev1.TolerationOpExists, "", NoSchedule))),
			node:       node("node-a", tainted("dedicated", "gpu", NoExecute)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint dedicated=gpu:NoExecute is not tolerated"},
		{name: "NoExecute taint not tolerated", ds: daemonSet(), node: node("node-a", tainted("maintenance", "", NoExecute)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint maintenance:NoExecute is not tolerated"},
		{name: "NoExecute taint tolerated with Exists", ds: daemonSet(tolerations(tolerate("maintenance", corev1.TolerationOpExists, "", ""))),
			node: node("node-a", tainted("maintenance", "", NoExecute))},
		{name: "PreferNoSchedule never excludes", ds: daemonSet(), node: node("node-a", tainted("dedicated", "gpu", PreferNoSchedule))},
		{name: "PreferNoSchedule with a toleration", ds: daemonSet(tolerations(tolerate("dedicated", corev1.TolerationOpExists, "", PreferNoSchedule))),
			node: node("node-a", tainted("dedicated", "gpu", PreferNoSchedule))},
		{name: "Exists with an empty key tolerates every taint", ds: daemonSet(tolerations(corev1.Toleration{Operator: corev1.TolerationOpExists})),
			node: node("node-a", tainted("dedicated", "gpu", NoSchedule), tainted("maintenance", "", NoExecute), tainted(corev1.TaintNodeNetworkUnavailable, "", NoSchedule))},
		{name: "second taint not tolerated is named", ds: daemonSet(tolerations(tolerate("dedicated", corev1.TolerationOpExists, "", ""))),
			node:       node("node-a", tainted("dedicated", "gpu", NoSchedule), tainted("team", "infra", NoSchedule)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint team=infra:NoSchedule is not tolerated"},
		// The API server takes Gt and Lt only with the TaintTolerationComparisonOperators gate on, under
		// which the controller compares the values.
		{name: "Gt toleration tolerates a greater value", ds: daemonSet(tolerations(tolerate("tier", corev1.TolerationOpGt, "1", NoSchedule))),
			node: node("node-a", tainted("tier", "5", NoSchedule))},
		{name: "Gt toleration does not tolerate a smaller value", ds: daemonSet(tolerations(tolerate("tier", corev1.TolerationOpGt, "7", NoSchedule))),
			node:       node("node-a", tainted("tier", "5", NoSchedule)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint tier=5:NoSchedule is not tolerated"},
		{name: "Lt toleration tolerates a smaller value", ds: daemonSet(tolerations(tolerate("tier", corev1.TolerationOpLt, "7", NoSchedule))),
			node: node("node-a", tainted("tier", "5", NoSchedule))},

		// Tolerations the controller adds to every daemon pod.
		{name: "cordoned node", ds: daemonSet(), node: node("node-a", func(n *corev1.Node) { n.Spec.Unschedulable = true },
			tainted(corev1.TaintNodeUnschedulable, "", NoSchedule))},
		{name: "not-ready NoExecute", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeNotReady, "", NoExecute))},
		{name: "unreachable NoExecute", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeUnreachable, "", NoExecute))},
		// The node lifecycle controller's condition taints leave the node eligible: it is reported as
		// not Ready (node_not_ready) by Compute instead.
		{name: "not-ready NoSchedule is a condition, not a policy", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeNotReady, "", NoSchedule))},
		{name: "unreachable NoSchedule is a condition, not a policy", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeUnreachable, "", NoSchedule))},
		{name: "a condition taint does not hide a policy taint", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeNotReady, "", NoSchedule), tainted("team", "infra", NoSchedule)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint team=infra:NoSchedule is not tolerated"},
		{name: "disk-pressure NoSchedule", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeDiskPressure, "", NoSchedule))},
		{name: "memory-pressure NoSchedule", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeMemoryPressure, "", NoSchedule))},
		{name: "pid-pressure NoSchedule", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodePIDPressure, "", NoSchedule))},
		{name: "memory-pressure NoExecute is not a default toleration", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeMemoryPressure, "", NoExecute)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint node.kubernetes.io/memory-pressure:NoExecute is not tolerated"},
		{name: "network-unavailable without hostNetwork", ds: daemonSet(), node: node("node-a", tainted(corev1.TaintNodeNetworkUnavailable, "", NoSchedule)),
			wantReason: ReasonUntoleratedTaint, wantMessage: "taint node.kubernetes.io/network-unavailable:NoSchedule is not tolerated"},
		{name: "network-unavailable with hostNetwork", ds: daemonSet(hostNetwork), node: node("node-a", tainted(corev1.TaintNodeNetworkUnavailable, "", NoSchedule))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eligible, reason, message := NodeEligibility(tt.ds, tt.node)
			if eligible != (tt.wantReason == "") || reason != tt.wantReason {
				t.Fatalf("NodeEligibility() = %v, %q, %q; want eligible %v, reason %q", eligible, reason, message, tt.wantReason == "", tt.wantReason)
			}
			if message != tt.wantMessage && (!tt.wantMessagePrefix || !strings.HasPrefix(message, tt.wantMessage)) {
				t.Errorf("message = %q, want %q", message, tt.wantMessage)
			}
		})
	}
}
