package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

var (
	specPath    = path.Root("spec")
	podSpecPath = specPath.AtName("template").AtName("spec")
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
		checkRolloutPolicy(&config.rolloutState, nil, &resp.Diagnostics)
		return
	}
	ds, diags := config.daemonSetObject(ctx)
	resp.Diagnostics.Append(diags...)
	if diags.HasError() {
		return
	}
	addFindings(&resp.Diagnostics, daemonset.Validate(ds), daemonSetAttributePath, nil)
	strategy := ds.Spec.UpdateStrategy.Type
	if strategy == "" && ds.Spec.UpdateStrategy.RollingUpdate != nil {
		strategy = appsv1.RollingUpdateDaemonSetStrategyType // what the API server makes of it
	}
	checkRolloutPolicy(&config.rolloutState, &strategy, &resp.Diagnostics)
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
	warnCreateIsNotStaged(ctx, req, resp)
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
