package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	appsv1 "k8s.io/api/apps/v1"
)

// What an update does when its rollout fails: stop where it is, or go back to the previous template.
const (
	onFailureHalt     = "halt"
	onFailureRollback = "rollback"
)

var onFailurePath = path.Root("rollout").AtName("on_failure")

// rolloutPolicyAttribute is the `rollout` argument of both resources: how an update rolls out and
// what it does when the rollout fails.
func rolloutPolicyAttribute() schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "How an update rolls out. Without it the DaemonSet's own update strategy governs, and an update " +
			"whose rollout fails stops where it is.",
		Attributes: map[string]schema.Attribute{
			"on_failure": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "What an update does when its rollout fails (a node not covered by the timeout, or pods the " +
					"controller cannot create): `halt` (default) stops there, fails the apply naming the nodes and their " +
					"reasons, and the next apply resumes the rollout; `rollback` applies the previous template again, waits " +
					"(with a timeout of its own, as long as the update's) until every counted node is covered by it, and fails " +
					"the apply saying that it rolled back and why. State then holds the previous configuration, so the next " +
					"plan shows the same change again. An interrupted apply does not roll back. Needs `wait_for_rollout` and " +
					"the `RollingUpdate` strategy; a create has nothing to roll back to.",
				Validators: []validator.String{stringvalidator.OneOf(onFailureHalt, onFailureRollback)},
			},
		},
	}
}

var rolloutPolicyAttrTypes = map[string]attr.Type{"on_failure": types.StringType}

// rollsBack reports whether the configured rollout policy rolls a failed update back.
func rollsBack(policy types.Object) bool {
	if policy.IsNull() || policy.IsUnknown() {
		return false
	}
	v, ok := policy.Attributes()["on_failure"].(basetypes.StringValue)
	return ok && v.ValueString() == onFailureRollback
}

// checkRolloutPolicy refuses a rollback that could never happen: without the wait no rollout
// fails, and under OnDelete an update replaces no pod.
func checkRolloutPolicy(m *rolloutState, strategy appsv1.DaemonSetUpdateStrategyType, diags *diag.Diagnostics) {
	if !rollsBack(m.Rollout) {
		return
	}
	if !m.WaitForRollout.IsNull() && !m.WaitForRollout.IsUnknown() && !m.WaitForRollout.ValueBool() {
		diags.AddAttributeError(onFailurePath, "Rollback needs the wait",
			`on_failure = "rollback" acts when the wait finds the rollout failed; with wait_for_rollout = false nothing waits. Set wait_for_rollout = true or remove on_failure.`)
	}
	if strategy == appsv1.OnDeleteDaemonSetStrategyType {
		diags.AddAttributeError(onFailurePath, "Rollback needs the RollingUpdate strategy",
			`on_failure = "rollback" re-applies the previous template when the rollout fails, but under update_strategy.type = "OnDelete" an update replaces no pod, so no rollout can fail. Use "RollingUpdate" or remove on_failure.`)
	}
}
