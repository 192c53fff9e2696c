package coverage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Compute judges every node of s for the DaemonSet s.DaemonSet, which must be set. It indexes the
// pods by node once, so its cost grows with nodes plus pods (and the sort of the nodes by name).
func Compute(s State, o Options) Report {
	j := NewJudge(s.DaemonSet, s.Revisions, o.CountNotReadyNodes)
	podsByNode := ownedPodsByNode(s.DaemonSet, s.Pods)

	nodes := slices.Clone(s.Nodes)
	slices.SortFunc(nodes, func(a, b *corev1.Node) int { return strings.Compare(a.Name, b.Name) })
	reports := make([]NodeReport, 0, len(nodes))
	for _, node := range nodes {
		reports = append(reports, j.Node(node, podsByNode[node.Name], o.Now))
	}
	r := j.Report(reports)
	r.ExplainCreateFailure(LatestCreateFailure(s.DaemonSet, s.Revisions, s.Events))
	return r
}

// Judge holds what judging a node needs from one state of a DaemonSet: its spec, its current
// revision and its observed generation. Compute judges every node with it; a wait that keeps each
// node's verdict judges again only the nodes an event touched, and makes a new Judge when the
// DaemonSet's generation, observed generation or current revision changes.
type Judge struct {
	ds                 *appsv1.DaemonSet
	revision           string
	countNotReadyNodes bool
	eligibility        *eligibilityCheck
	pods               podJudge
}

// NewJudge prepares the judgement of nodes for ds, whose revisions are given; countNotReadyNodes is
// Options.CountNotReadyNodes.
func NewJudge(ds *appsv1.DaemonSet, revisions []*appsv1.ControllerRevision, countNotReadyNodes bool) *Judge {
	revision := CurrentRevisionHash(ds, revisions)
	return &Judge{
		ds:                 ds,
		revision:           revision,
		countNotReadyNodes: countNotReadyNodes,
		eligibility:        newEligibility(ds),
		pods: podJudge{
			revision:           revision,
			revisions:          revisionHashes(ds, revisions),
			templateGeneration: templateGeneration(ds),
			onDelete:           ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType,
			surge:              allowsSurge(ds),
			minReadySeconds:    ds.Spec.MinReadySeconds,
		},
	}
}

// Node judges node at the moment now, from the pods bound to it or aimed at it (see TargetNodeName);
// pods the DaemonSet does not control are ignored.
func (j *Judge) Node(node *corev1.Node, pods []*corev1.Pod, now time.Time) NodeReport {
	judge := j.pods
	judge.now = now
	nr := NodeReport{Name: node.Name}
	nr.Eligible, nr.Reason, nr.Message = j.eligibility.check(node)
	var notReadyMessage string
	nr.NodeReady, notReadyMessage = nodeReady(node)
	nr.Counted = nr.Eligible && (nr.NodeReady || j.countNotReadyNodes)
	// A node that has just turned Ready keeps its not-ready taint until the node lifecycle controller
	// notices, and the DaemonSet controller places no pod there until then. The node is counted all
	// the same: it is Ready, and its pod follows within moments, so a wait that left it out would
	// return before the node runs the DaemonSet.
	taint, awaitingTaint := j.eligibility.untoleratedConditionTaint(node)
	awaitingTaint = awaitingTaint && nr.NodeReady

	pod, v := judge.bestPod(owned(j.ds, pods))
	if pod != nil {
		nr.Pod = pod.Name
		nr.PodPhase = string(pod.Status.Phase)
		ready := podCondition(pod, corev1.PodReady)
		nr.PodReady = ready != nil && ready.Status == corev1.ConditionTrue
		for _, c := range pod.Status.ContainerStatuses {
			nr.Restarts += c.RestartCount
		}
		nr.CurrentRevision = judge.isCurrent(pod)
	}

	switch {
	case !nr.Eligible:
		// The best pod is terminating only when all of them are.
		nr.misscheduled = pod != nil && pod.DeletionTimestamp == nil
	case !nr.Counted:
		nr.Reason, nr.Message = ReasonNodeNotReady, notReadyMessage
	case v.reason == "":
		nr.Covered = true
	case v.reason == ReasonPodMissing && awaitingTaint:
		nr.Reason, nr.awaitingTaint = v.reason, true
		nr.Message = fmt.Sprintf("no pod yet: the node is Ready, but still has taint %s, which the DaemonSet controller "+
			"waits for Kubernetes to remove before it places a pod", taint.ToString())
	default:
		nr.Reason, nr.Message = v.reason, v.message
	}
	return nr
}

// Report sums up the verdicts of all nodes, which must be sorted by name, into the DaemonSet's report.
func (j *Judge) Report(nodes []NodeReport) Report {
	r := Report{
		Revision:           j.revision,
		GenerationObserved: j.ds.Status.ObservedGeneration >= j.ds.Generation,
		OnDelete:           j.pods.onDelete,
		NodesTotal:         len(nodes),
		Nodes:              nodes,
	}
	for _, nr := range nodes {
		switch {
		case nr.misscheduled:
			r.Misscheduled++
		case !nr.Eligible:
		case !nr.Counted:
			r.Eligible++
			r.NotReady = append(r.NotReady, nr.Name)
		default:
			r.Eligible++
			r.Counted++
			if nr.Covered {
				r.Covered++
			} else {
				r.Uncovered = append(r.Uncovered, nr.Name)
			}
		}
	}
	r.Complete = r.GenerationObserved && r.Covered == r.Counted
	return r
}

// owned returns the pods ds controls, without copying when they all are.
func owned(ds *appsv1.DaemonSet, pods []*corev1.Pod) []*corev1.Pod {
	for i, pod := range pods {
		if ownedBy(pod, ds) {
			continue
		}
		out := slices.Clone(pods[:i])
		for _, pod := range pods[i+1:] {
			if ownedBy(pod, ds) {
				out = append(out, pod)
			}
		}
		return out
	}
	return pods
}

// ownedPodsByNode groups the pods ds controls by the node they are bound to or, not yet bound, the
// node the controller aimed them at.
func ownedPodsByNode(ds *appsv1.DaemonSet, pods []*corev1.Pod) map[string][]*corev1.Pod {
	byNode := make(map[string][]*corev1.Pod, len(pods))
	for _, pod := range pods {
		if !ownedBy(pod, ds) {
			continue
		}
		if node := TargetNodeName(pod); node != "" {
			byNode[node] = append(byNode[node], pod)
		}
	}
	return byNode
}

// TargetNodeName is the node a daemon pod is bound to or, before the scheduler binds it, the node the
// controller pinned it to with a required matchFields metadata.name In [node]; "" for neither.
func TargetNodeName(pod *corev1.Pod) string {
	if pod.Spec.NodeName != "" {
		return pod.Spec.NodeName
	}
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range term.MatchFields {
			if f.Key == metav1.ObjectNameField && f.Operator == corev1.NodeSelectorOpIn && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

// nodeReady reports the node's Ready condition and, when it is not True, a message saying why.
func nodeReady(node *corev1.Node) (bool, string) {
	for _, c := range node.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		if c.Status == corev1.ConditionTrue {
			return true, ""
		}
		return false, conditionMessage("node Ready", c.Status, c.Reason, c.Message)
	}
	return false, "node has no Ready condition"
}

func conditionMessage(what string, status corev1.ConditionStatus, reason, message string) string {
	return fmt.Sprintf("%s=%s%s", what, status, suffix(reason, message))
}
