package coverage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
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
	failure := LatestCreateFailure(s.DaemonSet, s.Revisions, s.Events)
	explainMissingPods(reports, failure)
	r := j.Report(reports)
	r.CreateFailure = failure
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
	ready := nr.NodeReady
	if taint, tainted := j.eligibility.untoleratedConditionTaint(node); ready && tainted {
		ready, notReadyMessage = false, fmt.Sprintf("node is Ready, but still has taint %s, which the DaemonSet controller "+
			"waits for Kubernetes to remove before it places a pod", taint.ToString())
	}
	nr.Counted = nr.Eligible && (ready || j.countNotReadyNodes)

	pod, v := judge.bestPod(owned(j.ds, pods))
	if pod != nil {
		nr.Pod = pod.Name
		nr.PodPhase = string(pod.Status.Phase)
		ready := podCondition(pod, corev1.PodReady)
		nr.PodReady = ready != nil && ready.Status == corev1.ConditionTrue
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

// podJudge decides whether one pod covers its node, and if not, why.
type podJudge struct {
	revision string
	// revisions holds the hashes of all the DaemonSet's revisions, templateGeneration its
	// template generation ("" when unknown): with revision, what the controller's rule reads.
	revisions          map[string]bool
	templateGeneration string
	onDelete           bool
	// surge is the controller's util.AllowsSurge: a rolling update that may run two pods on a node.
	surge           bool
	minReadySeconds int32
	now             time.Time
}

// verdict is a pod's judgement: an empty reason means the pod covers its node.
type verdict struct {
	reason  Reason
	message string
}

// reasonRank orders verdicts from closest to covering to furthest, so that among several pods on one
// node the report shows the one that best explains the node's state: a covering pod first, then a
// current pod on its way, then a pod of an older revision, then one being deleted.
var reasonRank = map[Reason]int{
	"":                      0,
	ReasonMinReadySeconds:   1,
	ReasonContainerNotReady: 2,
	ReasonCrashLoop:         3,
	ReasonImagePull:         4,
	ReasonPodPending:        5,
	ReasonUnschedulable:     6,
	ReasonPodFailed:         7,
	ReasonOldRevision:       8,
	ReasonAdoptedPod:        9,
	ReasonTerminating:       10,
}

// bestPod returns the pod whose verdict best explains the node, or a pod_missing verdict when there
// is no pod. Ties go to the newest pod, then to the name, so that reports are stable. A pod the
// controller deletes because the node has more than it keeps (see excess) cannot cover the node.
func (j podJudge) bestPod(pods []*corev1.Pod) (*corev1.Pod, verdict) {
	var best *corev1.Pod
	bestVerdict := verdict{reason: ReasonPodMissing, message: "no pod of the DaemonSet on the node"}
	deleted := j.excess(pods)
	for _, pod := range pods {
		v := j.judge(pod)
		if deleted[pod] && v.reason != ReasonTerminating {
			v = verdict{ReasonTerminating, fmt.Sprintf("the node runs %d pods of the DaemonSet, and the controller deletes this one (it keeps %s)",
				len(pods), j.keptRule())}
		}
		if best == nil || better(pod, v, best, bestVerdict) {
			best, bestVerdict = pod, v
		}
	}
	return best, bestVerdict
}

// excess returns the pods of one node that the controller deletes because there are more than it
// keeps (pkg/controller/daemon podsShouldBeOnNode, v1.37). Of the pods neither being deleted nor
// ended, it keeps the oldest (scheduled first, then by creation and name); when surge is allowed, the
// oldest of the current revision and the oldest of any other, and the latter only while it is Ready.
// So a second, newer pod of the current revision does not cover the node: the controller deletes it.
func (j podJudge) excess(pods []*corev1.Pod) map[*corev1.Pod]bool {
	var running []*corev1.Pod
	for _, pod := range pods {
		if pod.DeletionTimestamp == nil && pod.Status.Phase != corev1.PodFailed && pod.Status.Phase != corev1.PodSucceeded {
			running = append(running, pod)
		}
	}
	if len(running) <= 1 {
		return nil
	}
	slices.SortFunc(running, controllerOrder)
	deleted := map[*corev1.Pod]bool{}
	if !j.surge {
		for _, pod := range running[1:] {
			deleted[pod] = true
		}
		return deleted
	}
	var oldestNew, oldestOld *corev1.Pod
	for _, pod := range running {
		switch isNew := pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == j.revision; {
		case isNew && oldestNew == nil:
			oldestNew = pod
		case !isNew && oldestOld == nil:
			oldestOld = pod
		default:
			deleted[pod] = true
		}
	}
	if oldestNew != nil && oldestOld != nil {
		if ready := podCondition(oldestOld, corev1.PodReady); ready == nil || ready.Status != corev1.ConditionTrue {
			deleted[oldestOld] = true
		}
	}
	return deleted
}

func (j podJudge) keptRule() string {
	if j.surge {
		return "the oldest pod of the current revision and, while it is Ready, the oldest of an older one"
	}
	return "the oldest"
}

// controllerOrder is the controller's podByCreationTimestampAndPhase: scheduled pods first, then the
// oldest, then by name.
func controllerOrder(a, b *corev1.Pod) int {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		if a.Spec.NodeName != "" {
			return -1
		}
		return 1
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		if a.CreationTimestamp.Before(&b.CreationTimestamp) {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Name, b.Name)
}

// allowsSurge is the controller's util.AllowsSurge: a RollingUpdate whose maxSurge, scaled to one
// node and rounded up, is not zero.
func allowsSurge(ds *appsv1.DaemonSet) bool {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxSurge == nil {
		return false
	}
	surge, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, 1, true)
	return err == nil && surge != 0
}

func better(pod *corev1.Pod, v verdict, than *corev1.Pod, thanVerdict verdict) bool {
	if a, b := reasonRank[v.reason], reasonRank[thanVerdict.reason]; a != b {
		return a < b
	}
	if !pod.CreationTimestamp.Equal(&than.CreationTimestamp) {
		return than.CreationTimestamp.Before(&pod.CreationTimestamp)
	}
	return pod.Name < than.Name
}

// isCurrent is the controller's own rule (daemon/util.IsPodUpdated): the pod carries the current
// revision's hash, or the template generation the DaemonSet is at. The second keeps a spurious new
// revision (a control-plane upgrade that hashes the same template anew) from making every pod old.
func (j podJudge) isCurrent(pod *corev1.Pod) bool {
	hashMatches := j.revision != "" && pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == j.revision
	generationMatches := j.templateGeneration != "" && pod.Labels[podTemplateGenerationLabel] == j.templateGeneration
	return hashMatches || generationMatches
}

// isAdopted reports a pod whose revision hash names none of the DaemonSet's revisions: the
// controller adopted it from another DaemonSet with the same selector.
func (j podJudge) isAdopted(pod *corev1.Pod) bool {
	hash, ok := pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
	return ok && len(j.revisions) > 0 && !j.revisions[hash]
}

func (j podJudge) judge(pod *corev1.Pod) verdict {
	if pod.DeletionTimestamp != nil {
		return verdict{ReasonTerminating, fmt.Sprintf("pod is being deleted since %s", pod.DeletionTimestamp.UTC().Format(time.RFC3339))}
	}
	if !j.onDelete && !j.isCurrent(pod) {
		if j.isAdopted(pod) {
			return verdict{ReasonAdoptedPod, fmt.Sprintf("pod has revision %q, which is none of this DaemonSet's: it was adopted from "+
				"another DaemonSet, and the controller will not replace it with the current template until it is deleted",
				pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey])}
		}
		return verdict{ReasonOldRevision, j.oldRevisionMessage(pod)}
	}
	switch pod.Status.Phase {
	case corev1.PodFailed, corev1.PodSucceeded:
		return verdict{ReasonPodFailed, podEndedMessage(pod)}
	}
	if pod.Spec.NodeName == "" {
		if c := podCondition(pod, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return verdict{ReasonUnschedulable, conditionMessage("pod PodScheduled", c.Status, c.Reason, c.Message)}
		}
		return verdict{ReasonPodPending, "pod is not bound to the node yet"}
	}
	ready := podCondition(pod, corev1.PodReady)
	if ready != nil && ready.Status == corev1.ConditionTrue {
		return j.judgeReady(ready)
	}
	return judgeNotReady(pod, ready)
}

func (j podJudge) oldRevisionMessage(pod *corev1.Pod) string {
	hash := pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
	if j.revision == "" {
		return fmt.Sprintf("pod has revision %q; the DaemonSet has no ControllerRevision yet", hash)
	}
	return fmt.Sprintf("pod has revision %q, the current revision is %q", hash, j.revision)
}

// judgeReady applies minReadySeconds to a Ready pod, counted from the Ready condition's last transition
// as the controller counts availability; a pod Ready for exactly minReadySeconds covers.
func (j podJudge) judgeReady(ready *corev1.PodCondition) verdict {
	if j.minReadySeconds <= 0 {
		return verdict{}
	}
	minReady := time.Duration(j.minReadySeconds) * time.Second
	if ready.LastTransitionTime.IsZero() {
		return verdict{ReasonMinReadySeconds, fmt.Sprintf("Ready condition has no lastTransitionTime; minReadySeconds is %d", j.minReadySeconds)}
	}
	readyFor := j.now.Sub(ready.LastTransitionTime.Time)
	if readyFor < minReady {
		return verdict{ReasonMinReadySeconds, fmt.Sprintf("ready for %s of minReadySeconds %d", readyFor.Truncate(time.Second), j.minReadySeconds)}
	}
	return verdict{}
}

// imagePullReasons are the kubelet's waiting reasons for an image it cannot get.
var imagePullReasons = map[string]bool{
	"ErrImagePull":      true,
	"ImagePullBackOff":  true,
	"InvalidImageName":  true,
	"ErrImageNeverPull": true,
}

// judgeNotReady explains a bound pod that is not Ready, from the most telling container state down to
// the pod's phase.
func judgeNotReady(pod *corev1.Pod, ready *corev1.PodCondition) verdict {
	statuses := append(slices.Clone(pod.Status.InitContainerStatuses), pod.Status.ContainerStatuses...)
	for _, cs := range statuses {
		w := cs.State.Waiting
		switch {
		case w == nil:
		case imagePullReasons[w.Reason]:
			return verdict{ReasonImagePull, waitingMessage(cs.Name, w)}
		case w.Reason == "CrashLoopBackOff":
			return verdict{ReasonCrashLoop, waitingMessage(cs.Name, w)}
		}
	}
	for _, cs := range statuses {
		if t := cs.LastTerminationState.Terminated; t != nil && cs.RestartCount > 0 && !cs.Ready {
			return verdict{ReasonCrashLoop, fmt.Sprintf("container %s restarted %d times, last exit code %d%s",
				cs.Name, cs.RestartCount, t.ExitCode, suffix(t.Reason, t.Message))}
		}
	}
	if pod.Status.Phase == corev1.PodPending {
		for _, cs := range statuses {
			if w := cs.State.Waiting; w != nil {
				return verdict{ReasonPodPending, waitingMessage(cs.Name, w)}
			}
		}
		return verdict{ReasonPodPending, "pod is Pending"}
	}
	// Naming the containers that are not ready points at the probe to look at.
	var unready []string
	for _, cs := range pod.Status.ContainerStatuses {
		if !cs.Ready {
			unready = append(unready, cs.Name)
		}
	}
	message := "pod has no Ready condition"
	if ready != nil {
		message = conditionMessage("pod Ready", ready.Status, ready.Reason, ready.Message)
	}
	if len(unready) > 0 {
		message = fmt.Sprintf("container %s not ready; %s", strings.Join(unready, ", "), message)
	}
	return verdict{ReasonContainerNotReady, message}
}

func waitingMessage(container string, w *corev1.ContainerStateWaiting) string {
	return fmt.Sprintf("container %s: %s%s", container, w.Reason, suffix("", w.Message))
}

// podEndedMessage names the phase and what ended the pod: its own reason or a container's termination.
func podEndedMessage(pod *corev1.Pod) string {
	message := fmt.Sprintf("pod phase is %s%s", pod.Status.Phase, suffix(pod.Status.Reason, pod.Status.Message))
	for _, cs := range pod.Status.ContainerStatuses {
		if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
			return message + fmt.Sprintf("; container %s exited with code %d%s", cs.Name, t.ExitCode, suffix(t.Reason, t.Message))
		}
	}
	return message
}

// suffix renders an optional reason and message as ": reason: message".
func suffix(reason, message string) string {
	var s string
	if reason != "" {
		s += ": " + reason
	}
	if message != "" {
		s += ": " + message
	}
	return s
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}
