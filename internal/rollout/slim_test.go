package rollout

import (
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// TestSlim computes a report over pods and nodes in every state the report tells apart, with the
// fields a real cluster fills, once from the objects as read and once from their slimmed copies:
// the reports must be the same.
func TestSlim(t *testing.T) {
	now := time.Now()
	ds := daemonSet("uid-1")
	ds.Spec.MinReadySeconds = 30
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"pool": "agents"}
	ds.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "agents", Effect: corev1.TaintEffectNoSchedule}}

	var nodes []*corev1.Node
	node := func(name string, change func(*corev1.Node)) {
		n := readyNode(name)
		n.Labels = map[string]string{"pool": "agents", "kubernetes.io/hostname": name}
		n.Annotations = map[string]string{"node.alpha.kubernetes.io/ttl": "0"}
		n.Spec.PodCIDR = "10.0.0.0/24"
		n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}}
		n.Status.Capacity = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110")}
		n.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.37.2"}
		n.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubelet"}}
		if change != nil {
			change(n)
		}
		nodes = append(nodes, n)
	}
	node("node-ready", nil)
	node("node-other-pool", func(n *corev1.Node) { n.Labels["pool"] = "db" })
	node("node-tainted", func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{{Key: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	})
	node("node-tolerated", func(n *corev1.Node) {
		n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "agents", Effect: corev1.TaintEffectNoSchedule}}
	})
	node("node-not-ready", func(n *corev1.Node) {
		n.Status.Conditions[0].Status = corev1.ConditionFalse
		n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}}
	})
	node("node-cordoned", func(n *corev1.Node) { n.Spec.Unschedulable = true })
	node("node-new", nil)
	node("node-pending", nil)
	node("node-old", nil)
	node("node-pulling", nil)
	node("node-crashing", nil)

	var pods []*corev1.Pod
	pod := func(name, node, hash string, readySince time.Time, change func(*corev1.Pod)) {
		p := readyPod(name, node, hash, "uid-1", readySince)
		p.Annotations = map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}
		p.Spec.Containers = []corev1.Container{{Name: "agent", Image: "agent:1", Env: []corev1.EnvVar{{Name: "A", Value: "b"}}}}
		p.Spec.Volumes = []corev1.Volume{{Name: "token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}}}
		p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "agent", Image: "agent:1", Ready: true}}
		p.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kube-controller-manager"}}
		if change != nil {
			change(p)
		}
		pods = append(pods, p)
	}
	pod("agent-ready", "node-ready", "h2", now.Add(-time.Minute), nil)
	pod("agent-misscheduled", "node-other-pool", "h2", now.Add(-time.Minute), nil)
	pod("agent-tolerated", "node-tolerated", "h2", now.Add(-time.Minute), nil)
	pod("agent-cordoned", "node-cordoned", "h2", now.Add(-time.Minute), nil)
	pod("agent-new", "node-new", "h2", now.Add(-10*time.Second), nil)
	pod("agent-pending", "", "h2", now, func(p *corev1.Pod) {
		p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: "0/11 nodes are available",
		}}}
		p.Spec.Affinity = pendingPod("agent-pending", "node-pending", "h2").Spec.Affinity
	})
	pod("agent-old", "node-old", "h1", now.Add(-time.Hour), nil)
	pod("agent-old-leaving", "node-ready", "h1", now.Add(-time.Hour), func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: now} })
	pod("agent-pulling", "node-pulling", "h2", now, func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions[0].Status = corev1.ConditionFalse
		p.Status.ContainerStatuses[0].Ready = false
		p.Status.ContainerStatuses[0].State.Waiting = &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "not found"}
	})
	pod("agent-crashing", "node-crashing", "h2", now, func(p *corev1.Pod) {
		p.Status.Conditions[0].Status = corev1.ConditionFalse
		p.Status.ContainerStatuses[0].Ready = false
		p.Status.ContainerStatuses[0].RestartCount = 3
		p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}
	})

	state := coverage.State{DaemonSet: ds, Revisions: []*appsv1.ControllerRevision{revision("agent-h1", "h1", 1, "uid-1"), revision("agent-h2", "h2", 2, "uid-1")}}
	slimmed := state
	for _, n := range nodes {
		c := n.DeepCopy()
		slim(c)
		state.Nodes, slimmed.Nodes = append(state.Nodes, n), append(slimmed.Nodes, c)
	}
	for _, p := range pods {
		c := p.DeepCopy()
		slim(c)
		state.Pods, slimmed.Pods = append(state.Pods, p), append(slimmed.Pods, c)
	}
	for _, countNotReady := range []bool{false, true} {
		o := coverage.Options{Now: now, CountNotReadyNodes: countNotReady}
		want, got := coverage.Compute(state, o), coverage.Compute(slimmed, o)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("CountNotReadyNodes %v: the report over slimmed objects differs:\n got %+v\nwant %+v", countNotReady, got, want)
		}
		if want.Covered == 0 || len(want.Uncovered) < 5 || len(want.NotReady)+want.Misscheduled == 0 {
			t.Errorf("the fixture does not exercise the report: %s", want.Summary(20))
		}
	}
	if p := slimmed.Pods[0]; p.Annotations != nil || p.ManagedFields != nil || p.Spec.Containers != nil {
		t.Errorf("slim kept what the report never reads: %+v", p)
	}
}
