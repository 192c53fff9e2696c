package coverage

import (
	"fmt"
	"strings"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// daemonPodTolerations are the tolerations the DaemonSet controller adds to every daemon pod, so that
// node problems and cordons neither evict a daemon nor keep it off its node.
var daemonPodTolerations = []corev1.Toleration{
	{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
}

// hostNetworkToleration is added only for hostNetwork pods: they do not need the node's pod network.
var hostNetworkToleration = corev1.Toleration{
	Key: corev1.TaintNodeNetworkUnavailable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule,
}

// comparesTolerations says whether the controller compares taint values for the Gt and Lt toleration
// operators, which it does when the TaintTolerationComparisonOperators feature gate is on (alpha, off
// by default in Kubernetes 1.37). The gate is not visible from outside the control plane, but the API
// server accepts Gt and Lt only with the gate on: a template that holds one was written with it on.
func comparesTolerations(tolerations []corev1.Toleration) bool {
	for _, t := range tolerations {
		if t.Operator == corev1.TolerationOpGt || t.Operator == corev1.TolerationOpLt {
			return true
		}
	}
	return false
}

// NodeEligibility says whether the DaemonSet controller would run a pod of ds on node, and if not, why:
// the template's nodeName, its nodeSelector, its required node affinity, or a NoSchedule or NoExecute
// taint its pods do not tolerate. Cordoned nodes are eligible: daemon pods tolerate the cordon.
func NodeEligibility(ds *appsv1.DaemonSet, node *corev1.Node) (eligible bool, reason Reason, message string) {
	return newEligibility(ds).check(node)
}

// eligibilityCheck holds what the checks need from the DaemonSet, parsed once and reused for every node.
type eligibilityCheck struct {
	nodeName string

	// The nodeSelector and the required affinity are matched apart to say which of the two failed.
	nodeSelector         nodeaffinity.RequiredNodeAffinity
	selectorRequirements labels.Requirements
	requiredAffinity     nodeaffinity.RequiredNodeAffinity
	affinityTerms        []affinityTerm

	tolerations []corev1.Toleration
	// compareValues is comparesTolerations of the template's tolerations.
	compareValues bool
}

// affinityTerm is one nodeSelectorTerm of the required node affinity, each requirement kept alone so
// that a message can name the ones a node fails.
type affinityTerm struct {
	requirements []affinityRequirement
}

type affinityRequirement struct {
	text     string
	selector *nodeaffinity.LazyErrorNodeSelector
}

func newEligibility(ds *appsv1.DaemonSet) *eligibilityCheck {
	spec := &ds.Spec.Template.Spec
	e := &eligibilityCheck{
		nodeName:         spec.NodeName,
		nodeSelector:     nodeaffinity.NewRequiredNodeAffinity(spec.NodeSelector, nil),
		requiredAffinity: nodeaffinity.NewRequiredNodeAffinity(nil, spec.Affinity),
	}
	if len(spec.NodeSelector) > 0 {
		e.selectorRequirements, _ = labels.SelectorFromSet(spec.NodeSelector).Requirements()
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			e.affinityTerms = append(e.affinityTerms, newAffinityTerm(term))
		}
	}
	// Appending rather than merging as the controller does changes nothing: a taint is tolerated when
	// any toleration matches it, and duplicates match the same taints.
	e.tolerations = append(append([]corev1.Toleration{}, spec.Tolerations...), daemonPodTolerations...)
	e.compareValues = comparesTolerations(spec.Tolerations)
	if spec.HostNetwork {
		e.tolerations = append(e.tolerations, hostNetworkToleration)
	}
	return e
}

func newAffinityTerm(term corev1.NodeSelectorTerm) affinityTerm {
	var t affinityTerm
	for _, r := range term.MatchExpressions {
		t.requirements = append(t.requirements, affinityRequirement{
			text:     formatRequirement(r),
			selector: nodeaffinity.NewLazyErrorNodeSelector(&corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{r}}}}),
		})
	}
	for _, r := range term.MatchFields {
		t.requirements = append(t.requirements, affinityRequirement{
			text:     "field " + formatRequirement(r),
			selector: nodeaffinity.NewLazyErrorNodeSelector(&corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{r}}}}),
		})
	}
	return t
}

func (e *eligibilityCheck) check(node *corev1.Node) (bool, Reason, string) {
	if e.nodeName != "" && e.nodeName != node.Name {
		return false, ReasonNodeName, fmt.Sprintf("the pod template's nodeName is %q", e.nodeName)
	}
	// Parse errors are ignored as the controller ignores them: an invalid selector matches no node.
	if ok, _ := e.nodeSelector.Match(node); !ok {
		return false, ReasonNodeSelector, e.nodeSelectorMessage(node)
	}
	if ok, _ := e.requiredAffinity.Match(node); !ok {
		return false, ReasonNodeAffinity, e.requiredAffinityMessage(node)
	}
	taint, untolerated := corev1helpers.FindMatchingUntoleratedTaint(logr.Discard(), node.Spec.Taints, e.tolerations,
		func(t *corev1.Taint) bool {
			return (t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute) && !conditionTaint(t)
		}, e.compareValues)
	if untolerated {
		return false, ReasonUntoleratedTaint, fmt.Sprintf("taint %s is not tolerated", taint.ToString())
	}
	return true, "", ""
}

// conditionTaint is a taint the node lifecycle controller puts on a node because it is not Ready or
// unreachable, and removes when it is Ready again. The controller then keeps new daemon pods off the
// node, but the node is still one the DaemonSet is meant for: it is reported as eligible and not
// Ready (node_not_ready), which says what a user has to fix, rather than as an untolerated taint.
func conditionTaint(t *corev1.Taint) bool {
	return t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable
}

// untoleratedConditionTaint returns the condition taint (see conditionTaint) that keeps new daemon
// pods off node, if any. A node that has just turned Ready keeps its not-ready NoSchedule taint
// until the node lifecycle controller notices, and until then the DaemonSet controller creates no
// pod there: such a node is not Ready yet as far as the DaemonSet is concerned.
func (e *eligibilityCheck) untoleratedConditionTaint(node *corev1.Node) (corev1.Taint, bool) {
	return corev1helpers.FindMatchingUntoleratedTaint(logr.Discard(), node.Spec.Taints, e.tolerations,
		func(t *corev1.Taint) bool {
			return (t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute) && conditionTaint(t)
		}, e.compareValues)
}

func (e *eligibilityCheck) nodeSelectorMessage(node *corev1.Node) string {
	nodeLabels := labels.Set(node.Labels)
	var failed []string
	for _, r := range e.selectorRequirements {
		if r.Matches(nodeLabels) {
			continue
		}
		if value, ok := node.Labels[r.Key()]; ok {
			failed = append(failed, fmt.Sprintf("%s (node has %s=%s)", r.String(), r.Key(), value))
		} else {
			failed = append(failed, fmt.Sprintf("%s (node has no label %s)", r.String(), r.Key()))
		}
	}
	return "nodeSelector not matched: " + strings.Join(failed, ", ")
}

func (e *eligibilityCheck) requiredAffinityMessage(node *corev1.Node) string {
	var terms []string
	for _, term := range e.affinityTerms {
		var failed []string
		if len(term.requirements) == 0 {
			failed = append(failed, "empty term (matches no node)")
		}
		for _, r := range term.requirements {
			ok, rErr := r.selector.Match(node)
			switch {
			case rErr != nil:
				failed = append(failed, fmt.Sprintf("%s (invalid: %v)", r.text, rErr))
			case !ok:
				failed = append(failed, r.text)
			}
		}
		terms = append(terms, strings.Join(failed, " and "))
	}
	message := "required node affinity not matched"
	if len(terms) > 0 {
		message += ": " + strings.Join(terms, " or ")
	}
	return message
}

func formatRequirement(r corev1.NodeSelectorRequirement) string {
	switch r.Operator {
	case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
		return fmt.Sprintf("%s %s", r.Key, r.Operator)
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
		return fmt.Sprintf("%s %s %s", r.Key, r.Operator, strings.Join(r.Values, ","))
	default:
		return fmt.Sprintf("%s %s [%s]", r.Key, r.Operator, strings.Join(r.Values, ", "))
	}
}
