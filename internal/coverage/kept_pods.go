package coverage

import (
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

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
