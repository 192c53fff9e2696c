package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

// What an update does when its rollout fails: stop where it is, or go back to the previous template.
const (
	onFailureHalt     = "halt"
	onFailureRollback = "rollback"
)

var (
	rolloutPath   = path.Root("rollout")
	onFailurePath = rolloutPath.AtName("on_failure")
	wavesPath     = rolloutPath.AtName("waves")
)

// defaultWaveBudget is rollout.max_unavailable unset: one node of a wave at a time, as a rolling
// update's default.
const defaultWaveBudget = "1"

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
				MarkdownDescription: "What an update does when its rollout fails (a node not covered by the timeout, pods the " +
					"controller cannot create, or a wave that fails its bake): `halt` (default) stops there, fails the apply " +
					"naming the nodes and their reasons, and the next apply resumes the rollout; `rollback` applies the " +
					"previous template again, waits (with a timeout of its own, as long as the update's) until every counted " +
					"node is covered by it, and fails the apply saying that it rolled back and why. State then holds the " +
					"previous configuration, so the next plan shows the same change again. An interrupted apply does not roll " +
					"back. Needs `wait_for_rollout`, and the `RollingUpdate` strategy unless `waves` are set; a create has " +
					"nothing to roll back to.",
				Validators: []validator.String{stringvalidator.OneOf(onFailureHalt, onFailureRollback)},
			},
			"waves": schema.ListNestedAttribute{
				Optional: true,
				MarkdownDescription: "A staged rollout: an update replaces the pods wave by wave, each wave's nodes covered and " +
					"baked before the next wave starts, so that a bad template stops at the first wave. The provider paces it " +
					"on plain apps/v1 under the `OnDelete` update strategy, which the provider sets (on `kubedaemon_daemonset` " +
					"unless `spec.update_strategy` is set, which must then say `OnDelete`): it deletes " +
					"the old pods of the current wave, at most `max_unavailable` at a time, and the controller creates their " +
					"replacements. Each counted node belongs to the first wave that selects it; nodes no wave selects go to " +
					"the last one, and nodes that join during the rollout to the current one. A create rolls out to every " +
					"node at once. Every wave but the last must select something.",
				Validators: []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"node_selector": schema.MapAttribute{
							ElementType:         types.StringType,
							Optional:            true,
							MarkdownDescription: "Labels a node must have to be in the wave.",
						},
						"match_expressions": schema.ListNestedAttribute{
							Optional:            true,
							MarkdownDescription: "Label selector requirements a node must meet to be in the wave, as in a label selector.",
							NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
								"key": schema.StringAttribute{Required: true, MarkdownDescription: "The label key."},
								"operator": schema.StringAttribute{
									Required:            true,
									MarkdownDescription: "`In`, `NotIn`, `Exists` or `DoesNotExist`.",
									Validators:          []validator.String{stringvalidator.OneOf("In", "NotIn", "Exists", "DoesNotExist")},
								},
								"values": schema.ListAttribute{ElementType: types.StringType, Optional: true,
									MarkdownDescription: "The values, for `In` and `NotIn`."},
							}},
						},
						"percent": schema.Int64Attribute{
							Optional: true,
							MarkdownDescription: "Take this share (1 to 100, rounded up) of the counted nodes no earlier wave took, of " +
								"those the selectors match, in an order of the node names that stays the same from one apply to the next.",
							Validators: []validator.Int64{int64validator.Between(1, 100), int64validator.ConflictsWith(path.MatchRelative().AtParent().AtName("count"))},
						},
						"count": schema.Int64Attribute{
							Optional:            true,
							MarkdownDescription: "Take this many of the counted nodes no earlier wave took, as `percent` does.",
							Validators:          []validator.Int64{int64validator.AtLeast(1)},
						},
						"bake": schema.StringAttribute{
							Optional: true,
							MarkdownDescription: "Once the wave's nodes are all covered, how long they must stay so (a Go duration such " +
								"as `\"2m\"`) before the next wave starts: a pod of the wave that turns not Ready, crash-loops, restarts " +
								"or is replaced meanwhile fails the wave.",
							Validators: []validator.String{ruleValidator{bakeRule}},
						},
					},
				},
			},
			"max_unavailable": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "With `waves`: how many of a wave's counted nodes may be without a Ready pod at once, a number " +
					"or a percentage of the wave's nodes (rounded down, at least 1). Defaults to `\"" + defaultWaveBudget + "\"`.",
				Validators: []validator.String{ruleValidator{daemonset.BudgetRule}},
			},
		},
	}
}

// bakeRule checks a wave's bake, a Go duration.
var bakeRule = daemonset.StringRule{
	What:     "bake",
	Expected: `a Go duration such as "2m" or "30s"`,
	Check: func(s string) []string {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil:
			return []string{"not a duration"}
		case d < 0:
			return []string{"negative"}
		}
		return nil
	},
}

var (
	matchExpressionAttrTypes = map[string]attr.Type{"key": types.StringType, "operator": types.StringType, "values": types.ListType{ElemType: types.StringType}}
	waveAttrTypes            = map[string]attr.Type{
		"node_selector":     types.MapType{ElemType: types.StringType},
		"match_expressions": types.ListType{ElemType: types.ObjectType{AttrTypes: matchExpressionAttrTypes}},
		"percent":           types.Int64Type,
		"count":             types.Int64Type,
		"bake":              types.StringType,
	}
	rolloutPolicyAttrTypes = map[string]attr.Type{
		"on_failure":      types.StringType,
		"waves":           types.ListType{ElemType: types.ObjectType{AttrTypes: waveAttrTypes}},
		"max_unavailable": types.StringType,
	}
)

type rolloutPolicyModel struct {
	OnFailure      types.String `tfsdk:"on_failure"`
	Waves          []waveModel  `tfsdk:"waves"`
	MaxUnavailable types.String `tfsdk:"max_unavailable"`
}

type waveModel struct {
	NodeSelector     map[string]string      `tfsdk:"node_selector"`
	MatchExpressions []matchExpressionModel `tfsdk:"match_expressions"`
	Percent          types.Int64            `tfsdk:"percent"`
	Count            types.Int64            `tfsdk:"count"`
	Bake             types.String           `tfsdk:"bake"`
}

type matchExpressionModel struct {
	Key      string   `tfsdk:"key"`
	Operator string   `tfsdk:"operator"`
	Values   []string `tfsdk:"values"`
}

// rolloutPolicy reads the configured policy; ok is false when it is null or not wholly known.
func rolloutPolicy(policy types.Object) (rolloutPolicyModel, bool) {
	var m rolloutPolicyModel
	if !fullyKnown(policy) || policy.IsNull() {
		return m, false
	}
	if policy.As(context.Background(), &m, objectAsOptions).HasError() {
		return m, false
	}
	return m, true
}

// rollsBack reports whether the configured rollout policy rolls a failed update back.
func rollsBack(policy types.Object) bool {
	m, ok := rolloutPolicy(policy)
	return ok && m.OnFailure.ValueString() == onFailureRollback
}

// staged reports whether the configuration asks for waves (known or not yet).
func staged(policy types.Object) bool {
	if policy.IsNull() || policy.IsUnknown() {
		return false
	}
	w, ok := policy.Attributes()["waves"]
	return ok && !w.IsNull()
}

// waveSpecs are the configured waves, nil without waves.
func waveSpecs(policy types.Object) []waves.Spec {
	m, ok := rolloutPolicy(policy)
	if !ok {
		return nil
	}
	var specs []waves.Spec
	for _, w := range m.Waves {
		spec := waves.Spec{NodeSelector: w.NodeSelector, Percent: int(w.Percent.ValueInt64()), Count: int(w.Count.ValueInt64()), Bake: w.Bake.ValueString()}
		for _, e := range w.MatchExpressions {
			spec.MatchExpressions = append(spec.MatchExpressions, metav1.LabelSelectorRequirement{
				Key: e.Key, Operator: metav1.LabelSelectorOperator(e.Operator), Values: e.Values})
		}
		specs = append(specs, spec)
	}
	return specs
}

// stages is the staged rollout the policy configures, or nil without waves (or with waves the
// plan refused). Each call gives a fresh one: it keeps the progress of one rollout.
func stages(policy types.Object) *waves.Rollout {
	specs := waveSpecs(policy)
	ws, err := waves.FromSpecs(specs)
	if len(specs) == 0 || err != nil {
		return nil
	}
	r := &waves.Rollout{Waves: ws, MaxUnavailable: intstr.Parse(defaultWaveBudget)}
	if m, _ := rolloutPolicy(policy); !m.MaxUnavailable.IsNull() {
		r.MaxUnavailable = intstr.Parse(m.MaxUnavailable.ValueString())
	}
	return r
}

// recordWaves keeps the configured waves in the desired object's record (daemonset.WavesKey),
// for the coverage data source.
func recordWaves(desired map[string]any, policy types.Object) {
	// Only the record holds it, written by json.Marshal: FieldsOf and Read drop the key first.
	if specs := waveSpecs(policy); len(specs) > 0 {
		desired[daemonset.WavesKey] = specs
	}
}

// rollbackStages is the rollout of a rollback under waves: one wave of every node, no bake, at the
// same pace.
func rollbackStages(policy types.Object) *waves.Rollout {
	r := stages(policy)
	if r == nil {
		return nil
	}
	r.Waves = []waves.Wave{{}}
	return r
}

// checkRolloutPolicy refuses at plan time a policy that could never act as written: a rollback
// without the wait, or one under OnDelete that no waves drive; waves with a strategy other than
// OnDelete (configured is the configured one, nil while not known; "" is unset, which under waves
// the provider makes OnDelete); a wave before the last that selects nothing; a selector the API
// server would refuse.
func checkRolloutPolicy(m *rolloutState, configured *appsv1.DaemonSetUpdateStrategyType, diags *diag.Diagnostics) {
	strategy := appsv1.DaemonSetUpdateStrategyType("unknown")
	if configured != nil {
		strategy = *configured
	}
	policy, known := rolloutPolicy(m.Rollout)
	isStaged := staged(m.Rollout)
	if rollsBack(m.Rollout) {
		if !m.WaitForRollout.IsNull() && !m.WaitForRollout.IsUnknown() && !m.WaitForRollout.ValueBool() {
			diags.AddAttributeError(onFailurePath, "Rollback needs the wait",
				`on_failure = "rollback" acts when the wait finds the rollout failed; with wait_for_rollout = false nothing waits. Set wait_for_rollout = true or remove on_failure.`)
		}
		if strategy == appsv1.OnDeleteDaemonSetStrategyType && !isStaged {
			diags.AddAttributeError(onFailurePath, "Rollback needs the RollingUpdate strategy",
				`on_failure = "rollback" re-applies the previous template when the rollout fails, but under update_strategy.type = "OnDelete" an update replaces no pod, so no rollout can fail. Use "RollingUpdate", set rollout.waves, or remove on_failure.`)
		}
	}
	if !isStaged {
		return
	}
	if !m.WaitForRollout.IsNull() && !m.WaitForRollout.IsUnknown() && !m.WaitForRollout.ValueBool() {
		diags.AddAttributeError(wavesPath, "Staged rollouts need the wait",
			"The provider replaces the pods wave by wave while it waits; with wait_for_rollout = false nothing would. Set wait_for_rollout = true or remove waves.")
	}
	if configured != nil && strategy != "" && strategy != appsv1.OnDeleteDaemonSetStrategyType {
		diags.AddAttributeError(specPath.AtName("update_strategy").AtName("type"), "Staged rollouts need the OnDelete update strategy",
			fmt.Sprintf(`rollout.waves has the provider replace the pods wave by wave, which the DaemonSet controller must leave to it, but the configuration asks for %q: set spec.update_strategy = { type = "OnDelete" }, or leave update_strategy unset (the provider then sets OnDelete), or remove rollout.waves.`,
				strategy))
	}
	if !known {
		return
	}
	for i, w := range policy.Waves {
		at := wavesPath.AtListIndex(i)
		if i < len(policy.Waves)-1 && len(w.NodeSelector) == 0 && len(w.MatchExpressions) == 0 && w.Percent.IsNull() && w.Count.IsNull() {
			diags.AddAttributeError(at, "Empty wave",
				fmt.Sprintf("Wave %d selects no nodes of its own, so it would take every node left and leave nothing to the waves after it. Give it a node_selector, match_expressions, a percent or a count; only the last wave may be empty.", i+1))
		}
		for j, e := range w.MatchExpressions {
			requirement := metav1.LabelSelectorRequirement{Key: e.Key, Operator: metav1.LabelSelectorOperator(e.Operator), Values: e.Values}
			if _, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{requirement}}); err != nil {
				diags.AddAttributeError(at.AtName("match_expressions").AtListIndex(j), "Invalid match expression", err.Error())
			}
		}
		if _, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchLabels: w.NodeSelector}); err != nil {
			diags.AddAttributeError(at.AtName("node_selector"), "Invalid node selector", err.Error())
		}
	}
}
