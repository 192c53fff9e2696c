package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

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
	if resp.Diagnostics.HasError() || !fullyKnown(config.Metadata) || !fullyKnown(config.Spec) {
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

	containersPath := podSpecPath.AtName("containers")
	if len(ds.Spec.Template.Spec.Containers) == 0 {
		diags.AddAttributeError(containersPath, "No containers",
			"spec.template.spec.containers must list at least one container with a name and an image.")
	}
	seen := map[string]bool{}
	check := func(list string, containers []corev1.Container) {
		for i, c := range containers {
			at := podSpecPath.AtName(list).AtListIndex(i)
			if problems := validation.IsDNS1123Label(c.Name); len(problems) > 0 {
				diags.AddAttributeError(at.AtName("name"), "Invalid container name",
					fmt.Sprintf("%q: %s. Expected lowercase letters, digits and '-', at most 63 characters.", c.Name, strings.Join(problems, "; ")))
			}
			if seen[c.Name] {
				diags.AddAttributeError(at.AtName("name"), "Duplicate container name",
					fmt.Sprintf("Container name %q is used twice; names must be unique across containers and init_containers.", c.Name))
			}
			seen[c.Name] = true
			if strings.TrimSpace(c.Image) == "" {
				diags.AddAttributeError(at.AtName("image"), "Missing image",
					"Every container needs an image, e.g. image = \"registry.k8s.io/pause:3.10\".")
			}
		}
	}
	check("init_containers", ds.Spec.Template.Spec.InitContainers)
	check("containers", ds.Spec.Template.Spec.Containers)
	return diags
}

// ModifyPlan warns when the cluster is reachable and no node would run the planned DaemonSet: a
// rollout over zero nodes completes at once, which is rarely what was meant.
func (r *daemonSetResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
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
	nodes, err := client.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		tflog.Debug(ctx, "cannot list nodes to check eligibility at plan time", map[string]any{"error": err.Error()})
		return
	}
	if len(nodes.Items) == 0 {
		diags.AddAttributeWarning(podSpecPath, "The cluster has no nodes", "The DaemonSet will run no pod until nodes join.")
		return
	}
	reasons := map[coverage.Reason]int{}
	for i := range nodes.Items {
		eligible, reason, _ := coverage.NodeEligibility(ds, &nodes.Items[i])
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
			"with no pod running. Check node_selector, affinity and tolerations.", len(nodes.Items), strings.Join(parts, ", ")))
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
