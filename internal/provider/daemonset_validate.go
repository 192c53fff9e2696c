package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

var (
	specPath     = path.Root("spec")
	templatePath = specPath.AtName("template")
	podSpecPath  = templatePath.AtName("spec")
)

// ValidateConfig catches at plan time what the API server would refuse, with the attribute path.
func (r *daemonSetResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config daemonSetModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkTimeouts(&resp.Diagnostics, config.Timeouts.Object)
	if !fullyKnown(config.Metadata) || !fullyKnown(config.Spec) {
		return
	}
	ds, diags := config.daemonSetObject(ctx)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	resp.Diagnostics.Append(validateDaemonSet(ds)...)
}

// validateDaemonSet checks the rules of apps/v1 validation that a user meets most often.
func validateDaemonSet(ds *appsv1.DaemonSet) diag.Diagnostics {
	var diags diag.Diagnostics
	templateLabels := ds.Spec.Template.Labels
	diags.Append(checkLabels(templatePath.AtName("metadata").AtName("labels"), templateLabels)...)
	diags.Append(checkAnnotations(templatePath.AtName("metadata").AtName("annotations"), ds.Spec.Template.Annotations)...)

	selectorPath := specPath.AtName("selector")
	switch {
	case ds.Spec.Selector == nil || (len(ds.Spec.Selector.MatchLabels) == 0 && len(ds.Spec.Selector.MatchExpressions) == 0):
		diags.AddAttributeError(selectorPath, "Missing selector",
			"spec.selector must set match_labels or match_expressions, matching spec.template.metadata.labels, "+
				"e.g. selector = { match_labels = { app = \"node-agent\" } }.")
	default:
		selector, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
		if err != nil {
			diags.AddAttributeError(selectorPath, "Invalid selector", err.Error())
		} else if !selector.Matches(labels.Set(templateLabels)) {
			diags.AddAttributeError(selectorPath, "Selector does not match the pod template",
				fmt.Sprintf("spec.selector (%s) must match spec.template.metadata.labels (%s); otherwise the DaemonSet "+
					"could never own its pods.", selector.String(), labels.Set(templateLabels).String()))
		}
	}

	checkNotNegative(&diags, specPath.AtName("min_ready_seconds"), int64(ds.Spec.MinReadySeconds))
	if limit := ds.Spec.RevisionHistoryLimit; limit != nil {
		checkNotNegative(&diags, specPath.AtName("revision_history_limit"), int64(*limit))
	}
	checkUpdateStrategy(&diags, specPath.AtName("update_strategy"), ds.Spec.UpdateStrategy)
	diags.Append(validatePodSpec(podSpecPath, &ds.Spec.Template.Spec)...)
	return diags
}

// checkUpdateStrategy applies the API server's rules for a rolling update's budget, after its
// defaults: an unset max_unavailable is 1 and an unset max_surge 0.
func checkUpdateStrategy(diags *diag.Diagnostics, at path.Path, strategy appsv1.DaemonSetUpdateStrategy) {
	switch strategy.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return
	case "", appsv1.RollingUpdateDaemonSetStrategyType:
	default:
		checkOneOf(diags, at.AtName("type"), "update strategy", string(strategy.Type),
			appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType)
		return
	}
	unavailable, surge := intstr.FromInt32(1), intstr.FromInt32(0)
	if ru := strategy.RollingUpdate; ru != nil {
		unavailable = ptr.Deref(ru.MaxUnavailable, unavailable)
		surge = ptr.Deref(ru.MaxSurge, surge)
	}
	at = at.AtName("rolling_update")
	u, validUnavailable := checkRolloutBudget(diags, at.AtName("max_unavailable"), unavailable)
	s, validSurge := checkRolloutBudget(diags, at.AtName("max_surge"), surge)
	switch {
	case !validUnavailable || !validSurge:
	case u != 0 && s != 0:
		diags.AddAttributeError(at.AtName("max_surge"), "Invalid rolling update",
			"max_surge must be 0 while max_unavailable is not (it defaults to 1): a DaemonSet rollout either adds "+
				"a new pod before removing the old one or removes the old one first, not both.")
	case u == 0 && s == 0:
		diags.AddAttributeError(at.AtName("max_unavailable"), "Invalid rolling update",
			"max_unavailable and max_surge cannot both be 0 (max_surge defaults to 0): the rollout could never replace a pod.")
	}
}

// checkRolloutBudget checks a count or a percentage of nodes and returns its number.
func checkRolloutBudget(diags *diag.Diagnostics, at path.Path, budget intstr.IntOrString) (int, bool) {
	if budget.Type == intstr.Int {
		if budget.IntVal < 0 {
			diags.AddAttributeError(at, "Invalid rolling update", fmt.Sprintf("Must be 0 or more, got %d.", budget.IntVal))
			return 0, false
		}
		return int(budget.IntVal), true
	}
	if problems := validation.IsValidPercent(budget.StrVal); len(problems) > 0 {
		diags.AddAttributeError(at, "Invalid rolling update",
			fmt.Sprintf("%q is neither a whole number nor a percentage such as \"10%%\".", budget.StrVal))
		return 0, false
	}
	percent, err := strconv.Atoi(strings.TrimSuffix(budget.StrVal, "%"))
	if err != nil || percent > 100 {
		diags.AddAttributeError(at, "Invalid rolling update", fmt.Sprintf("%q is more than 100%%.", budget.StrVal))
		return 0, false
	}
	return percent, true
}

// checkTimeouts refuses a timeout that is not positive: the wait would end before it began, and a
// create would leave a tainted DaemonSet behind. Malformed durations are the timeouts package's to report.
func checkTimeouts(diags *diag.Diagnostics, configured basetypes.ObjectValue) {
	if configured.IsNull() || configured.IsUnknown() {
		return
	}
	attributes := configured.Attributes()
	for _, operation := range slices.Sorted(maps.Keys(attributes)) {
		value, ok := attributes[operation].(basetypes.StringValue)
		if !ok || value.IsNull() || value.IsUnknown() {
			continue
		}
		if d, err := time.ParseDuration(value.ValueString()); err == nil && d <= 0 {
			diags.AddAttributeError(path.Root("timeouts").AtName(operation), "Invalid timeout",
				fmt.Sprintf("%q is not a positive duration: the %s would fail at once. Use e.g. \"10m\".", value.ValueString(), operation))
		}
	}
}

// ModifyPlan warns when the cluster is reachable and no node would run the planned DaemonSet: a
// rollout over zero nodes completes at once, which is rarely what was meant.
func (r *daemonSetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	resumeIncompleteRollout(ctx, req, resp)
	if req.Plan.Raw.IsNull() || r.client == nil {
		return
	}
	var plan daemonSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !fullyKnown(plan.Spec) || !fullyKnown(plan.Metadata) {
		return
	}
	if !req.State.Raw.IsNull() {
		var state daemonSetModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if state.Spec.Equal(plan.Spec) {
			return
		}
	}
	ds, diags := plan.daemonSetObject(ctx)
	if diags.HasError() {
		return
	}
	warnWhenNoNodeEligible(ctx, r.client, ds, &resp.Diagnostics)
}

func warnWhenNoNodeEligible(ctx context.Context, client *kubeclient.Client, ds *appsv1.DaemonSet, diags *diag.Diagnostics) {
	nodes, err := client.Nodes.List(ctx)
	if err != nil {
		tflog.Debug(ctx, "cannot list nodes to check eligibility at plan time", map[string]any{"error": err.Error()})
		return
	}
	if len(nodes) == 0 {
		diags.AddAttributeWarning(podSpecPath, "The cluster has no nodes", "The DaemonSet will run no pod until nodes join.")
		return
	}
	reasons := map[coverage.Reason]int{}
	for _, node := range nodes {
		eligible, reason, _ := coverage.NodeEligibility(ds, node)
		if eligible {
			return
		}
		reasons[reason]++
	}
	var parts []string
	for _, reason := range coverage.IneligibleReasons {
		if n := reasons[reason]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, reason))
		}
	}
	diags.AddAttributeWarning(podSpecPath, "No node is eligible for this DaemonSet",
		fmt.Sprintf("None of the cluster's %d nodes would run this DaemonSet's pod (%s): the apply will complete "+
			"with no pod running. Check node_selector, affinity and tolerations.", len(nodes), strings.Join(parts, ", ")))
}

// fullyKnown reports whether a value holds no unknown anywhere inside it, so that it can be
// converted to a Kubernetes object for checks.
func fullyKnown(v attr.Value) bool {
	if v == nil || v.IsUnknown() {
		return false
	}
	if v.IsNull() {
		return true
	}
	var children []attr.Value
	switch value := v.(type) {
	case basetypes.ObjectValue:
		for _, c := range value.Attributes() {
			children = append(children, c)
		}
	case basetypes.ListValue:
		children = value.Elements()
	case basetypes.SetValue:
		children = value.Elements()
	case basetypes.MapValue:
		for _, c := range value.Elements() {
			children = append(children, c)
		}
	}
	for _, c := range children {
		if !fullyKnown(c) {
			return false
		}
	}
	return true
}
