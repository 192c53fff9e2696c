package coverage

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Fixtures shared by the tests: a DaemonSet whose current revision is "rev2", Ready nodes, and pods
// that cover their node unless a test changes them.

const (
	dsUID           = types.UID("ds-uid")
	currentRevision = "rev2"
	oldRevision     = "rev1"
)

var now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func daemonSet(mods ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube-system", UID: dsUID, Generation: 2},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "agent"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "agent"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "agent:2"}}},
			},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
		},
		Status: appsv1.DaemonSetStatus{ObservedGeneration: 2},
	}
	for _, mod := range mods {
		mod(ds)
	}
	return ds
}

func nodeSelector(kv map[string]string) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = kv }
}

func requiredAffinity(terms ...corev1.NodeSelectorTerm) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) {
		ds.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
		}}
	}
}

func expressions(reqs ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
	return corev1.NodeSelectorTerm{MatchExpressions: reqs}
}

func requirement(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

func tolerations(t ...corev1.Toleration) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.Tolerations = t }
}

func hostNetwork(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.HostNetwork = true }

func onDelete(ds *appsv1.DaemonSet) {
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
}

func maxSurge(n int) func(*appsv1.DaemonSet) {
	return maxSurgeValue(intstr.FromInt(n))
}

func maxSurgePercent(p string) func(*appsv1.DaemonSet) {
	return maxSurgeValue(intstr.FromString(p))
}

func maxSurgeValue(v intstr.IntOrString) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) {
		zero := intstr.FromInt(0)
		ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxSurge: &v, MaxUnavailable: &zero}
	}
}

func minReadySeconds(s int32) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = s }
}

func node(name string, mods ...func(*corev1.Node)) *corev1.Node {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"},
		}},
	}
	for _, mod := range mods {
		mod(n)
	}
	return n
}

func labeled(key, value string) func(*corev1.Node) {
	return func(n *corev1.Node) { n.Labels[key] = value }
}

func tainted(key, value string, effect corev1.TaintEffect) func(*corev1.Node) {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	}
}

func nodeNotReady(status corev1.ConditionStatus, reason, message string) func(*corev1.Node) {
	return func(n *corev1.Node) {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: reason, Message: message}}
	}
}

func revisions() []*appsv1.ControllerRevision {
	return []*appsv1.ControllerRevision{
		controllerRevision("agent-rev1", oldRevision, 1, dsUID),
		controllerRevision("agent-rev2", currentRevision, 2, dsUID),
	}
}

func controllerRevision(name, hash string, revision int64, owner types.UID) *appsv1.ControllerRevision {
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Labels:          map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: hash},
			OwnerReferences: []metav1.OwnerReference{controllerRef(owner)},
		},
		Revision: revision,
	}
}

func controllerRef(owner types.UID) metav1.OwnerReference {
	isController := true
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "agent", UID: owner, Controller: &isController}
}

// pod is a Ready pod of the current revision bound to nodeName, Ready for an hour.
func pod(name, nodeName string, mods ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:              name,
			Namespace:         "kube-system",
			Labels:            map[string]string{"app": "agent", appsv1.DefaultDaemonSetUniqueLabelKey: currentRevision},
			OwnerReferences:   []metav1.OwnerReference{controllerRef(dsUID)},
			CreationTimestamp: metav1.NewTime(now.Add(-2 * time.Hour)),
		},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "agent", Image: "agent:2"}}},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))},
			},
			ContainerStatuses: []corev1.ContainerStatus{{
				Name: "agent", Ready: true,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			}},
		},
	}
	for _, mod := range mods {
		mod(p)
	}
	return p
}

//nolint:unparam // the call sites name the revision they mean, which reads better than a second helper
func podRevision(hash string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash }
}

func withLabel(key, value string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels[key] = value }
}

func createdAgo(d time.Duration) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(now.Add(-d)) }
}

func terminating(p *corev1.Pod) {
	t := metav1.NewTime(now.Add(-time.Minute))
	p.DeletionTimestamp = &t
}

func readySince(d time.Duration) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		podCondition(p, corev1.PodReady).LastTransitionTime = metav1.NewTime(now.Add(-d))
	}
}

// notReadyPod leaves the pod Running with its Ready condition False and the container unready.
func notReadyPod(p *corev1.Pod) {
	c := podCondition(p, corev1.PodReady)
	c.Status, c.Reason, c.Message = corev1.ConditionFalse, "ContainersNotReady", "containers with unready status: [agent]"
	p.Status.ContainerStatuses[0].Ready = false
}

func pending(p *corev1.Pod) {
	notReadyPod(p)
	p.Status.Phase = corev1.PodPending
}

func waiting(reason, message string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		pending(p)
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{
			Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message},
		}
	}
}

// unbound makes the pod one the controller created for nodeName but the scheduler has not bound.
func unbound(p *corev1.Pod) {
	target := p.Spec.NodeName
	p.Spec.NodeName = ""
	p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{target}}},
		}}},
	}}
	p.Status = corev1.PodStatus{Phase: corev1.PodPending}
}

func withOwners(refs ...metav1.OwnerReference) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.OwnerReferences = refs }
}
