package coverage

import (
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCompute(t *testing.T) {
	type computeCase struct {
		name          string
		ds            *appsv1.DaemonSet            // default daemonSet()
		revisions     []*appsv1.ControllerRevision // default revisions(); set noRevisions for none
		noRevisions   bool
		nodes         []*corev1.Node // default node-a
		pods          []*corev1.Pod
		countNotReady bool
		want          map[string]nodeWant
		report        reportWant
	}
	tests := []computeCase{
		{name: "covered", pods: []*corev1.Pod{pod("agent-a", "node-a")},
			want: map[string]nodeWant{"node-a": coveredBy("agent-a")}, report: oneCovered},

		{name: "pod_missing", pods: nil,
			want:   map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing, message: "no pod of the DaemonSet on the node"}},
			report: oneUncovered},
		{name: "pod bound to another node does not cover", nodes: []*corev1.Node{node("node-a"), node("node-b")},
			pods: []*corev1.Pod{pod("agent-b", "node-b")},
			want: map[string]nodeWant{
				"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing},
				"node-b": coveredBy("agent-b"),
			},
			report: reportWant{eligible: 2, counted: 2, covered: 1, uncovered: []string{"node-a"}}},

		// Pods that match the selector but that the DaemonSet does not control.
		{name: "pod without owner is ignored", pods: []*corev1.Pod{pod("stray", "node-a", withOwners())},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing}}, report: oneUncovered},
		{name: "pod of another controller is ignored", pods: []*corev1.Pod{pod("stray", "node-a", withOwners(controllerRef("other-uid")))},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing}}, report: oneUncovered},
		{name: "owner reference that is not the controller is ignored", pods: []*corev1.Pod{pod("stray", "node-a",
			withOwners(metav1.OwnerReference{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", UID: dsUID}))},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing}}, report: oneUncovered},

		{name: "owned pod aimed at no node is ignored", pods: []*corev1.Pod{
			pod("agent-x", "", unbound, func(p *corev1.Pod) { p.Spec.Affinity = nil }),
			pod("agent-y", "", unbound, func(p *corev1.Pod) {
				p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0] = expressions(requirement("zone", corev1.NodeSelectorOpIn, "a"))
			}),
		},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing}}, report: oneUncovered},

		// Unbound pods.
		{name: "unschedulable", pods: []*corev1.Pod{pod("agent-a", "node-a", unbound, func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: corev1.PodReasonUnschedulable, Message: "0/3 nodes are available: 1 Insufficient cpu."}}
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonUnschedulable, "Unschedulable: 0/3 nodes are available: 1 Insufficient cpu.")},
			report: oneUncovered},
		{name: "unbound, held by a scheduling gate", pods: []*corev1.Pod{pod("agent-a", "node-a", unbound, func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: corev1.PodReasonSchedulingGated, Message: "Scheduling is blocked due to non-empty scheduling gates"}}
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonPodPending, "pod is not bound to the node yet")},
			report: oneUncovered},
		{name: "unbound, not yet seen by the scheduler", pods: []*corev1.Pod{pod("agent-a", "node-a", unbound)},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonPodPending, "pod is not bound to the node yet")},
			report: oneUncovered},

		// Bound pods that are not Ready.
		{name: "pending, container creating", pods: []*corev1.Pod{pod("agent-a", "node-a", waiting("ContainerCreating", ""))},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonPodPending, "container agent: ContainerCreating")},
			report: oneUncovered},
		{name: "pending, no container status yet", pods: []*corev1.Pod{pod("agent-a", "node-a", pending, func(p *corev1.Pod) { p.Status.ContainerStatuses = nil })},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonPodPending, "pod is Pending")},
			report: oneUncovered},
		{name: "image_pull in an init container", pods: []*corev1.Pod{pod("agent-a", "node-a", pending, func(p *corev1.Pod) {
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "setup", State: corev1.ContainerState{
				Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "setup:9"`}}}}
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonImagePull, `container setup: ImagePullBackOff: Back-off pulling image "setup:9"`)},
			report: oneUncovered},
		{name: "crash_loop from CrashLoopBackOff", pods: []*corev1.Pod{pod("agent-a", "node-a", notReadyPod, func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason: "CrashLoopBackOff", Message: "back-off 5m0s restarting failed container=agent"}}
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonCrashLoop, "container agent: CrashLoopBackOff: back-off 5m0s restarting failed container=agent")},
			report: oneUncovered},
		{name: "crash_loop from restarts while not ready", pods: []*corev1.Pod{pod("agent-a", "node-a", notReadyPod, func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = 3
			p.Status.ContainerStatuses[0].LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonCrashLoop, "container agent restarted 3 times, last exit code 1: Error")},
			report: oneUncovered},
		{name: "container_not_ready", pods: []*corev1.Pod{pod("agent-a", "node-a", notReadyPod)},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonContainerNotReady, "container agent not ready; pod Ready=False: ContainersNotReady: containers with unready status: [agent]")},
			report: oneUncovered},
		{name: "a ready container with restarts beside an unready one is not a crash loop", pods: []*corev1.Pod{pod("agent-a", "node-a", notReadyPod, func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{
				{Name: "agent", Ready: true, RestartCount: 2, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
					LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}},
				{Name: "exporter", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
			}
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonContainerNotReady, "container exporter not ready; pod Ready=False")},
			report: oneUncovered},
		{name: "running without a Ready condition", pods: []*corev1.Pod{pod("agent-a", "node-a", notReadyPod, func(p *corev1.Pod) {
			p.Status.Conditions = p.Status.Conditions[:1]
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonContainerNotReady, "pod has no Ready condition")},
			report: oneUncovered},
		{name: "restarted once but ready again covers", pods: []*corev1.Pod{pod("agent-a", "node-a", func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].RestartCount = 1
			p.Status.ContainerStatuses[0].LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}
		})},
			want: map[string]nodeWant{"node-a": coveredBy("agent-a")}, report: oneCovered},
		{name: "pod_failed", pods: []*corev1.Pod{pod("agent-a", "node-a", notReadyPod, func(p *corev1.Pod) {
			p.Status.Phase, p.Status.Reason, p.Status.Message = corev1.PodFailed, "Evicted", "The node was low on resource: memory."
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonPodFailed, "pod phase is Failed: Evicted: The node was low on resource: memory.")},
			report: oneUncovered},
		{name: "pod_failed on Succeeded, with the container's exit", pods: []*corev1.Pod{pod("agent-a", "node-a", notReadyPod, func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodSucceeded
			p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}}
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonPodFailed, "pod phase is Succeeded; container agent exited with code 2: Error")},
			report: oneUncovered},

		// minReadySeconds, on both sides of the boundary.
		{name: "ready for less than minReadySeconds", ds: daemonSet(minReadySeconds(30)), pods: []*corev1.Pod{pod("agent-a", "node-a", readySince(29*time.Second))},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonMinReadySeconds, "ready for 29s of minReadySeconds 30")},
			report: oneUncovered},
		{name: "ready for a moment less than minReadySeconds", ds: daemonSet(minReadySeconds(30)), pods: []*corev1.Pod{pod("agent-a", "node-a", readySince(30*time.Second-time.Millisecond))},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonMinReadySeconds, "ready for 29s of minReadySeconds 30")},
			report: oneUncovered},
		{name: "ready for exactly minReadySeconds", ds: daemonSet(minReadySeconds(30)), pods: []*corev1.Pod{pod("agent-a", "node-a", readySince(30*time.Second))},
			want: map[string]nodeWant{"node-a": coveredBy("agent-a")}, report: oneCovered},
		{name: "ready without lastTransitionTime under minReadySeconds", ds: daemonSet(minReadySeconds(30)), pods: []*corev1.Pod{pod("agent-a", "node-a", func(p *corev1.Pod) {
			podCondition(p, corev1.PodReady).LastTransitionTime = metav1.Time{}
		})},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonMinReadySeconds, "no lastTransitionTime")},
			report: oneUncovered},
		{name: "just ready without minReadySeconds", pods: []*corev1.Pod{pod("agent-a", "node-a", readySince(0))},
			want: map[string]nodeWant{"node-a": coveredBy("agent-a")}, report: oneCovered},

		// Revisions and the update strategy.
		{name: "old_revision", pods: []*corev1.Pod{pod("agent-a", "node-a", podRevision(oldRevision))},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, pod: "agent-a",
				reason: ReasonOldRevision, message: `pod has revision "rev1", the current revision is "rev2"`}},
			report: oneUncovered},
		// The controller's rule for a current pod (daemon/util.IsPodUpdated), with the three kinds of pod.
		{name: "old hash but the current template generation: current, as the controller counts it",
			ds:   daemonSet(func(ds *appsv1.DaemonSet) { ds.Annotations = map[string]string{templateGenerationAnnotation: "7"} }),
			pods: []*corev1.Pod{pod("agent-a", "node-a", podRevision(oldRevision), withLabel(podTemplateGenerationLabel, "7"))},
			want: map[string]nodeWant{"node-a": coveredBy("agent-a")}, report: oneCovered},
		{name: "old hash and an older template generation: old_revision",
			ds:     daemonSet(func(ds *appsv1.DaemonSet) { ds.Annotations = map[string]string{templateGenerationAnnotation: "7"} }),
			pods:   []*corev1.Pod{pod("agent-a", "node-a", podRevision(oldRevision), withLabel(podTemplateGenerationLabel, "6"))},
			want:   map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, pod: "agent-a", reason: ReasonOldRevision}},
			report: oneUncovered},
		{name: "a hash none of the DaemonSet's revisions has: adopted_pod", pods: []*corev1.Pod{pod("agent-a", "node-a", podRevision("other-daemonset-hash"))},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, pod: "agent-a",
				reason: ReasonAdoptedPod, message: `pod has revision "other-daemonset-hash", which is none of this DaemonSet's`}},
			report: oneUncovered},
		{name: "no ControllerRevision yet", noRevisions: true, pods: []*corev1.Pod{pod("agent-a", "node-a")},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, pod: "agent-a",
				reason: ReasonOldRevision, message: "the DaemonSet has no ControllerRevision yet"}},
			report: oneUncovered},
		{name: "OnDelete: a ready pod of an old revision covers", ds: daemonSet(onDelete), pods: []*corev1.Pod{pod("agent-a", "node-a", podRevision(oldRevision))},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, covered: true, pod: "agent-a"}}, report: oneCovered},
		{name: "OnDelete: an old pod still has to be ready", ds: daemonSet(onDelete), pods: []*corev1.Pod{pod("agent-a", "node-a", podRevision(oldRevision), notReadyPod)},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, pod: "agent-a",
				reason: ReasonContainerNotReady, message: "containers with unready status"}},
			report: oneUncovered},
		{name: "surge: the new pod explains the node, not the old ready one", ds: daemonSet(maxSurge(1)), pods: []*corev1.Pod{
			pod("agent-old", "node-a", podRevision(oldRevision)),
			pod("agent-new", "node-a", createdAgo(time.Minute), waiting("ImagePullBackOff", `Back-off pulling image "agent:2"`)),
		},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-new", ReasonImagePull, "container agent: ImagePullBackOff")},
			report: oneUncovered},

		// Pods being deleted.
		{name: "terminating", pods: []*corev1.Pod{pod("agent-a", "node-a", terminating)},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonTerminating, "pod is being deleted since 2026-03-04T11:59:00Z")},
			report: oneUncovered},
		{name: "terminating old pod beside a covering new one", pods: []*corev1.Pod{
			pod("agent-old", "node-a", podRevision(oldRevision), terminating),
			pod("agent-new", "node-a", createdAgo(time.Minute)),
		},
			want: map[string]nodeWant{"node-a": coveredBy("agent-new")}, report: oneCovered},
		{name: "terminating pod beside an old one: old_revision explains better", pods: []*corev1.Pod{
			pod("agent-1", "node-a", terminating),
			pod("agent-2", "node-a", podRevision(oldRevision)),
		},
			want:   map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, pod: "agent-2", reason: ReasonOldRevision}},
			report: oneUncovered},
		{name: "failed pod and its ready replacement", pods: []*corev1.Pod{
			pod("agent-replacement", "node-a", createdAgo(time.Minute)),
			pod("agent-failed", "node-a", notReadyPod, func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }),
		},
			want: map[string]nodeWant{"node-a": coveredBy("agent-replacement")}, report: oneCovered},
		{name: "two failing pods: the one the controller keeps, the oldest, is shown", pods: []*corev1.Pod{
			pod("agent-older", "node-a", createdAgo(time.Hour), notReadyPod),
			pod("agent-newer", "node-a", createdAgo(time.Minute), notReadyPod),
		},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-older", ReasonContainerNotReady, "")},
			report: oneUncovered},

		// Two running pods on a node: the controller keeps one (podsShouldBeOnNode), and only that one
		// can cover the node.
		{name: "no surge: a newer Ready pod of the current revision is the one deleted", pods: []*corev1.Pod{
			pod("agent-old", "node-a", podRevision(oldRevision)),
			pod("agent-new", "node-a", createdAgo(time.Minute)),
		},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, pod: "agent-old",
				reason: ReasonOldRevision, message: `pod has revision "rev1"`}},
			report: oneUncovered},
		{name: "surge: a Ready pod of the current revision covers beside a Ready old one", ds: daemonSet(maxSurge(1)), pods: []*corev1.Pod{
			pod("agent-old", "node-a", podRevision(oldRevision)),
			pod("agent-new", "node-a", createdAgo(time.Minute)),
		},
			want: map[string]nodeWant{"node-a": coveredBy("agent-new")}, report: oneCovered},
		{name: "surge: only the oldest pod of the current revision counts", ds: daemonSet(maxSurge(1)), pods: []*corev1.Pod{
			pod("agent-first", "node-a", createdAgo(time.Hour), notReadyPod),
			pod("agent-second", "node-a", createdAgo(time.Minute)),
		},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-first", ReasonContainerNotReady, "")},
			report: oneUncovered},
		{name: "surge of 10% rounds up to one pod", ds: daemonSet(maxSurgePercent("10%")), pods: []*corev1.Pod{
			pod("agent-old", "node-a", podRevision(oldRevision)),
			pod("agent-new", "node-a", createdAgo(time.Minute)),
		},
			want: map[string]nodeWant{"node-a": coveredBy("agent-new")}, report: oneCovered},

		// A node that has just turned Ready keeps the not-ready NoSchedule taint for a moment, and the
		// controller places no pod until it is gone: the node is counted, and its pod awaited.
		{name: "Ready node still tainted not-ready", nodes: []*corev1.Node{node("node-a", tainted(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoSchedule))},
			want: map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing,
				message: "no pod yet: the node is Ready, but still has taint node.kubernetes.io/not-ready:NoSchedule"}},
			report: oneUncovered},
		{name: "Ready node still tainted not-ready, with its pod from before", nodes: []*corev1.Node{node("node-a", tainted(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoSchedule))},
			pods:   []*corev1.Pod{pod("agent-a", "node-a")},
			want:   map[string]nodeWant{"node-a": coveredBy("agent-a")},
			report: oneCovered},
		{name: "Ready node still tainted not-ready, tolerated by the template",
			ds:     daemonSet(tolerations(corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})),
			nodes:  []*corev1.Node{node("node-a", tainted(corev1.TaintNodeNotReady, "", corev1.TaintEffectNoSchedule))},
			want:   map[string]nodeWant{"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing}},
			report: oneUncovered},
		{name: "two failing pods created at once: the first name is shown", pods: []*corev1.Pod{
			pod("agent-y", "node-a", notReadyPod),
			pod("agent-x", "node-a", notReadyPod),
			pod("agent-z", "node-a", notReadyPod),
		},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-x", ReasonContainerNotReady, "")},
			report: oneUncovered},

		// Nodes that are not Ready.
		{name: "not Ready node is reported, not counted", nodes: []*corev1.Node{node("node-a", nodeNotReady(corev1.ConditionUnknown, "NodeStatusUnknown", "Kubelet stopped posting node status."))},
			want: map[string]nodeWant{"node-a": {eligible: true, reason: ReasonNodeNotReady,
				message: "node Ready=Unknown: NodeStatusUnknown: Kubelet stopped posting node status."}},
			report: reportWant{eligible: 1, complete: true, notReady: []string{"node-a"}}},
		{name: "node without a Ready condition", nodes: []*corev1.Node{node("node-a", func(n *corev1.Node) { n.Status.Conditions = nil })},
			pods:   []*corev1.Pod{pod("agent-a", "node-a", notReadyPod)},
			want:   map[string]nodeWant{"node-a": {eligible: true, pod: "agent-a", currentRevision: true, reason: ReasonNodeNotReady, message: "node has no Ready condition"}},
			report: reportWant{eligible: 1, complete: true, notReady: []string{"node-a"}}},
		{name: "CountNotReadyNodes counts a not Ready node", countNotReady: true,
			nodes:  []*corev1.Node{node("node-a", nodeNotReady(corev1.ConditionFalse, "KubeletNotReady", "container runtime is down"))},
			want:   map[string]nodeWant{"node-a": {eligible: true, counted: true, reason: ReasonPodMissing}},
			report: oneUncovered},
		{name: "CountNotReadyNodes: a not Ready node can be covered", countNotReady: true,
			nodes:  []*corev1.Node{node("node-a", nodeNotReady(corev1.ConditionFalse, "KubeletNotReady", ""))},
			pods:   []*corev1.Pod{pod("agent-a", "node-a")},
			want:   map[string]nodeWant{"node-a": {eligible: true, counted: true, covered: true, pod: "agent-a", currentRevision: true}},
			report: oneCovered},

		// Nodes that are not eligible.
		{name: "misscheduled pod on a node that is not eligible", ds: daemonSet(nodeSelector(map[string]string{"role": "edge"})),
			nodes: []*corev1.Node{node("node-a"), node("node-b", labeled("role", "edge"))},
			pods:  []*corev1.Pod{pod("agent-a", "node-a"), pod("agent-b", "node-b")},
			want: map[string]nodeWant{
				"node-a": {nodeReady: true, pod: "agent-a", currentRevision: true, reason: ReasonNodeSelector, message: "role=edge (node has no label role)"},
				"node-b": {eligible: true, nodeReady: true, counted: true, covered: true, pod: "agent-b", currentRevision: true},
			},
			report: reportWant{eligible: 1, counted: 1, covered: 1, misscheduled: 1, complete: true}},
		{name: "a terminating pod on a node that is not eligible is not misscheduled", ds: daemonSet(nodeSelector(map[string]string{"role": "edge"})),
			pods:   []*corev1.Pod{pod("agent-a", "node-a", terminating)},
			want:   map[string]nodeWant{"node-a": {nodeReady: true, pod: "agent-a", currentRevision: true, reason: ReasonNodeSelector}},
			report: reportWant{complete: true}},
		{name: "an unbound pod aimed at a node that is not eligible is misscheduled",
			nodes: []*corev1.Node{node("node-a", tainted("dedicated", "db", corev1.TaintEffectNoSchedule))},
			pods:  []*corev1.Pod{pod("agent-a", "node-a", unbound)},
			want: map[string]nodeWant{"node-a": {nodeReady: true, pod: "agent-a", currentRevision: true, reason: ReasonUntoleratedTaint,
				message: "taint dedicated=db:NoSchedule is not tolerated"}},
			report: reportWant{misscheduled: 1, complete: true}},

		// The verdict over all nodes.
		{name: "generation not observed: not complete though every node is covered",
			ds:     daemonSet(func(ds *appsv1.DaemonSet) { ds.Generation = 3 }),
			pods:   []*corev1.Pod{pod("agent-a", "node-a")},
			want:   map[string]nodeWant{"node-a": coveredBy("agent-a")},
			report: reportWant{eligible: 1, counted: 1, covered: 1}},
		{name: "nodes and names come out sorted",
			nodes: []*corev1.Node{node("node-c"), node("node-a"), node("node-d", nodeNotReady(corev1.ConditionFalse, "", "")), node("node-b"),
				node("node-0", nodeNotReady(corev1.ConditionFalse, "", ""))},
			pods: []*corev1.Pod{pod("agent-b", "node-b")},
			want: map[string]nodeWant{
				"node-0": {eligible: true, reason: ReasonNodeNotReady, message: "node Ready=False"},
				"node-a": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing},
				"node-b": coveredBy("agent-b"),
				"node-c": {eligible: true, nodeReady: true, counted: true, reason: ReasonPodMissing},
				"node-d": {eligible: true, reason: ReasonNodeNotReady},
			},
			report: reportWant{eligible: 5, counted: 3, covered: 1, uncovered: []string{"node-a", "node-c"}, notReady: []string{"node-0", "node-d"}}},
		{name: "no nodes at all is complete once observed", nodes: []*corev1.Node{}, want: map[string]nodeWant{}, report: reportWant{complete: true}},
	}

	// Every waiting reason of an image the kubelet cannot get is image_pull.
	for _, reason := range []string{"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"} {
		tests = append(tests, computeCase{name: "image_pull " + reason,
			pods:   []*corev1.Pod{pod("agent-a", "node-a", waiting(reason, "cannot get agent:2"))},
			want:   map[string]nodeWant{"node-a": uncoveredBy("agent-a", ReasonImagePull, "container agent: "+reason+": cannot get agent:2")},
			report: oneUncovered})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := State{DaemonSet: tt.ds, Revisions: tt.revisions, Nodes: tt.nodes, Pods: tt.pods}
			if s.DaemonSet == nil {
				s.DaemonSet = daemonSet()
			}
			if s.Revisions == nil && !tt.noRevisions {
				s.Revisions = revisions()
			}
			if s.Nodes == nil {
				s.Nodes = []*corev1.Node{node("node-a")}
			}
			r := Compute(s, Options{Now: now, CountNotReadyNodes: tt.countNotReady})

			if len(r.Nodes) != len(tt.want) || r.NodesTotal != len(tt.want) {
				t.Fatalf("report has %d nodes (NodesTotal %d), want %d", len(r.Nodes), r.NodesTotal, len(tt.want))
			}
			if !slices.IsSortedFunc(r.Nodes, func(a, b NodeReport) int { return strings.Compare(a.Name, b.Name) }) {
				t.Errorf("nodes are not sorted by name: %v", nodeNames(r.Nodes))
			}
			for _, got := range r.Nodes {
				want, ok := tt.want[got.Name]
				if !ok {
					t.Errorf("unexpected node %q", got.Name)
					continue
				}
				checkNode(t, got, want)
			}
			checkReport(t, r, tt.report)
		})
	}
}
