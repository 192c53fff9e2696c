package coverage

import (
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

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
