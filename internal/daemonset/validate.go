package daemonset

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// The rules below mirror the API server's validation (k8s.io/kubernetes pkg/apis/apps/validation
// and pkg/apis/core/validation), after its defaults, of a DaemonSet and of the pods the controller
// makes from its template: what they refuse, the server would refuse at apply time, or in every pod
// of the rollout, after Terraform had planned the change. A few go further, where the server
// accepts what can never run (see rules.go), and one where a rollout would stall (surge with host
// ports). The provider's validation table holds them to the server in dry runs.

var (
	specPath     = NewPath("spec")
	templatePath = specPath.Child("template")
	podSpecPath  = templatePath.Child("spec")
)

// Validate checks the DaemonSet the provider is about to apply; names and namespaces are the
// resources' attributes to check, since each resource derives them its own way.
func Validate(ds *appsv1.DaemonSet) Findings {
	var f Findings
	f.labels(templatePath.Child("metadata").Child("labels"), ds.Spec.Template.Labels)
	f.annotations(templatePath.Child("metadata").Child("annotations"), ds.Spec.Template.Annotations)
	f.selector(ds)
	f.notNegative(specPath.Child("minReadySeconds"), "min_ready_seconds", int64(ds.Spec.MinReadySeconds))
	if limit := ds.Spec.RevisionHistoryLimit; limit != nil {
		f.notNegative(specPath.Child("revisionHistoryLimit"), "revision_history_limit", int64(*limit))
	}
	surge := f.updateStrategy(specPath.Child("updateStrategy"), ds.Spec.UpdateStrategy)
	f.podSpec(podSpecPath, &ds.Spec.Template.Spec)
	if surge {
		f.surgeWithHostPorts(specPath.Child("updateStrategy").Child("rollingUpdate").Child("maxSurge"), &ds.Spec.Template.Spec)
	}
	return f
}

// Labels checks a label map, one finding per key so that each points at its own entry.
func (f *Findings) labels(at Path, m map[string]string) {
	f.eachKey(at, m, func(one map[string]string) field.ErrorList {
		return metav1validation.ValidateLabels(one, field.NewPath("labels"))
	}, "Invalid label", "Label keys are an optional DNS-subdomain prefix and '/' then a name of at most 63 characters "+
		"(letters, digits, '-', '_', '.'); values are at most 63 such characters, or empty.")
}

func (f *Findings) annotations(at Path, m map[string]string) {
	f.eachKey(at, m, func(one map[string]string) field.ErrorList {
		return apivalidation.ValidateAnnotations(one, field.NewPath("annotations"))
	}, "Invalid annotation", "Annotation keys are an optional DNS-subdomain prefix and '/' then a name of at most 63 characters.")
	if err := apivalidation.ValidateAnnotationsSize(m); err != nil {
		f.add(at, "Annotations too large", err.Error())
	}
}

func (f *Findings) eachKey(at Path, m map[string]string, validate func(map[string]string) field.ErrorList, summary, expected string) {
	for _, k := range sortedKeys(m) {
		for _, e := range validate(map[string]string{k: m[k]}) {
			f.add(at.Key(k), summary, fmt.Sprintf("%q: %s. %s", k, e.ErrorBody(), expected))
		}
	}
}

// LabelFindings and AnnotationFindings check a map of labels or annotations on its own, for the
// attributes that hold one.
func LabelFindings(at Path, m map[string]string) Findings {
	var f Findings
	f.labels(at, m)
	return f
}

func AnnotationFindings(at Path, m map[string]string) Findings {
	var f Findings
	f.annotations(at, m)
	return f
}

// ObjectAnnotationFindings checks the annotations of the DaemonSet object itself, where the
// provider keeps the configuration it applied: a configuration cannot set that key, which every
// apply would overwrite.
func ObjectAnnotationFindings(at Path, m map[string]string) Findings {
	f := AnnotationFindings(at, m)
	if _, ok := m[AppliedAnnotation]; ok {
		f.add(at.Key(AppliedAnnotation), "Reserved annotation",
			fmt.Sprintf("%q is where the provider records the configuration it applies, for an import into another configuration; remove it from the configuration.", AppliedAnnotation))
	}
	return f
}

func (f *Findings) selector(ds *appsv1.DaemonSet) {
	at := specPath.Child("selector")
	templateLabels := templatePath.Child("metadata").Child("labels")
	s := ds.Spec.Selector
	if s == nil || len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
		f.add(at, "Missing selector", "The DaemonSet needs a selector (match_labels or match_expressions) that matches "+
			"its pod template's labels, e.g. selector = { match_labels = { app = \"node-agent\" } }.")
		return
	}
	selector, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		f.add(at, "Invalid selector", err.Error())
		return
	}
	if !selector.Matches(labels.Set(ds.Spec.Template.Labels)) {
		f.add(at, "Selector does not match the pod template",
			fmt.Sprintf("The selector (%s) must match the pod template's labels (%s); otherwise the DaemonSet could never "+
				"own its pods.", selector.String(), labels.Set(ds.Spec.Template.Labels).String()), templateLabels)
	}
}

// updateStrategy applies the API server's rules for a rolling update's budget, after its defaults
// (an unset maxUnavailable is 1, an unset maxSurge 0), and reports whether pods surge.
func (f *Findings) updateStrategy(at Path, strategy appsv1.DaemonSetUpdateStrategy) bool {
	switch strategy.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return false
	case "", appsv1.RollingUpdateDaemonSetStrategyType:
	default:
		oneOf(f, at.Child("type"), "update strategy", string(strategy.Type),
			appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType)
		return false
	}
	unavailable, surge := intstr.FromInt32(1), intstr.FromInt32(0)
	if ru := strategy.RollingUpdate; ru != nil {
		unavailable = ptr.Deref(ru.MaxUnavailable, unavailable)
		surge = ptr.Deref(ru.MaxSurge, surge)
	}
	at = at.Child("rollingUpdate")
	unavailableAt, surgeAt := at.Child("maxUnavailable"), at.Child("maxSurge")
	u, validUnavailable := f.budget(unavailableAt, unavailable)
	s, validSurge := f.budget(surgeAt, surge)
	switch {
	case !validUnavailable || !validSurge:
	case u != 0 && s != 0:
		f.add(surgeAt, "Invalid rolling update",
			"max_surge must be 0 while max_unavailable is not (it defaults to 1 on a DaemonSet): a rollout either starts "+
				"the new pod before it stops the old one, or stops the old one first, not both.", unavailableAt)
	case u == 0 && s == 0:
		f.add(unavailableAt, "Invalid rolling update",
			"max_unavailable and max_surge cannot both be 0 (max_surge defaults to 0): the rollout could never replace a pod.", surgeAt)
	}
	return validSurge && s != 0
}

// budget checks a count or a percentage of nodes and returns its number.
func (f *Findings) budget(at Path, b intstr.IntOrString) (int, bool) {
	value := b.String()
	if b.Type == intstr.Int && b.IntVal < 0 {
		value = strconv.Itoa(int(b.IntVal))
	}
	if problem := BudgetRule.Problem(value); problem != "" {
		f.add(at, BudgetRule.Summary(), problem)
		return 0, false
	}
	n, _ := strconv.Atoi(strings.TrimSuffix(value, "%"))
	return n, true
}

// surgeWithHostPorts refuses a surge next to ports bound on the node: the new pod starts beside the
// old one on the same node and cannot bind the port the old one holds, so the rollout stalls on
// the first node ("didn't have free ports").
func (f *Findings) surgeWithHostPorts(at Path, spec *corev1.PodSpec) {
	for _, containers := range []struct {
		field string
		list  []corev1.Container
	}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
		for i, c := range containers.list {
			for j, p := range c.Ports {
				if p.HostPort == 0 && !spec.HostNetwork {
					continue
				}
				port := podSpecPath.Child(containers.field).Index(i).Child("ports").Index(j)
				f.add(at, "Surge with host ports",
					fmt.Sprintf("A surge pod starts next to the old pod on the same node, so it cannot bind the node port %d "+
						"(a host port, or any port with host networking) that the old pod holds: the rollout would stall on "+
						"the first node. Leave max_surge unset (0) and let max_unavailable pace the rollout.", hostPortOf(p, spec.HostNetwork)),
					port, podSpecPath.Child("hostNetwork"))
				return
			}
		}
	}
}

// hostPortOf is the port a container binds on the node: with host networking, its container port.
func hostPortOf(p corev1.ContainerPort, hostNetwork bool) int32 {
	if p.HostPort == 0 && hostNetwork {
		return p.ContainerPort
	}
	return p.HostPort
}

// notNegative refuses a negative count; name is the field as the resources' attributes call it.
func (f *Findings) notNegative(at Path, name string, value int64) {
	if value < 0 {
		f.add(at, "Invalid number", fmt.Sprintf("%s must be 0 or more, got %d.", name, value))
	}
}

// oneOf refuses a set value outside the allowed ones; empty means unset, which the API server defaults.
func oneOf[T ~string](f *Findings, at Path, what, value string, allowed ...T) {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	f.enum(at, enumRule(what, names...), value)
}

// enum applies an enumRule to a value that may be unset (empty).
func (f *Findings) enum(at Path, rule StringRule, value string) {
	if value != "" {
		f.check(at, rule, value)
	}
}

// QuoteEach lists values quoted, for messages.
func QuoteEach(values []string) string {
	if len(values) == 0 {
		return "none"
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return strings.Join(quoted, ", ")
}

// sortedKeys are a map's keys in order, as strings, so that findings come in a stable order.
func sortedKeys[K ~string, V any](m map[K]V) []string {
	keys := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		keys = append(keys, string(k))
	}
	return keys
}
