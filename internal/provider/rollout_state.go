package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	apitypes "k8s.io/apimachinery/pkg/types"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

// rolloutState holds the attributes of rolloutArguments(): how an apply, its wait and a delete
// behave, and what the cluster reported back. Both resources embed it, so they default, read and
// report these attributes alike.
type rolloutState struct {
	FieldManager         types.String `tfsdk:"field_manager"`
	ForceConflicts       types.Bool   `tfsdk:"force_conflicts"`
	WaitForRollout       types.Bool   `tfsdk:"wait_for_rollout"`
	WaitForNotReadyNodes types.Bool   `tfsdk:"wait_for_not_ready_nodes"`
	DeletePropagation    types.String `tfsdk:"delete_propagation"`
	Rollout              types.Object `tfsdk:"rollout"`
	UID                  types.String `tfsdk:"uid"`
	Generation           types.Int64  `tfsdk:"generation"`
	ResourceVersion      types.String `tfsdk:"resource_version"`
	Status               types.Object `tfsdk:"status"`
	Coverage             types.Object `tfsdk:"coverage"`
}

var statusAttrTypes = map[string]attr.Type{
	"desired":             types.Int64Type,
	"current":             types.Int64Type,
	"ready":               types.Int64Type,
	"updated":             types.Int64Type,
	"available":           types.Int64Type,
	"misscheduled":        types.Int64Type,
	"observed_generation": types.Int64Type,
}

var coverageAttrTypes = map[string]attr.Type{
	"eligible":       types.Int64Type,
	"counted":        types.Int64Type,
	"covered":        types.Int64Type,
	"complete":       types.BoolType,
	"revision":       types.StringType,
	"create_failure": types.StringType,
	"waves":          types.ListType{ElemType: types.ObjectType{AttrTypes: waveProgressAttrTypes}},
}

var waveProgressAttrTypes = map[string]attr.Type{"nodes": types.Int64Type, "covered": types.Int64Type, "state": types.StringType}

// coverageSummaryModel reads the resources' coverage attribute (coverageAttrTypes).
type coverageSummaryModel struct {
	Eligible      types.Int64  `tfsdk:"eligible"`
	Counted       types.Int64  `tfsdk:"counted"`
	Covered       types.Int64  `tfsdk:"covered"`
	Complete      types.Bool   `tfsdk:"complete"`
	Revision      types.String `tfsdk:"revision"`
	CreateFailure types.String `tfsdk:"create_failure"`
	Waves         types.List   `tfsdk:"waves"`
}

// setObjectState records the server-managed fields of the live DaemonSet.
func (m *rolloutState) setObjectState(ds *appsv1.DaemonSet) diag.Diagnostics {
	var diags diag.Diagnostics
	m.UID = types.StringValue(string(ds.UID))
	m.Generation = types.Int64Value(ds.Generation)
	m.ResourceVersion = types.StringValue(ds.ResourceVersion)
	m.Status, diags = types.ObjectValue(statusAttrTypes, map[string]attr.Value{
		"desired":             types.Int64Value(int64(ds.Status.DesiredNumberScheduled)),
		"current":             types.Int64Value(int64(ds.Status.CurrentNumberScheduled)),
		"ready":               types.Int64Value(int64(ds.Status.NumberReady)),
		"updated":             types.Int64Value(int64(ds.Status.UpdatedNumberScheduled)),
		"available":           types.Int64Value(int64(ds.Status.NumberAvailable)),
		"misscheduled":        types.Int64Value(int64(ds.Status.NumberMisscheduled)),
		"observed_generation": types.Int64Value(ds.Status.ObservedGeneration),
	})
	return diags
}

// setCoverage records the coverage report r and, under waves, their progress (nil: none known).
func (m *rolloutState) setCoverage(r coverage.Report, progress []waves.Progress) diag.Diagnostics {
	waveList, diags := waveProgressList(progress)
	if staged(m.Rollout) && r.OnDelete {
		// Under waves an old pod covers its node only until its wave comes: the rollout is done,
		// and the next plan has nothing to resume, once every counted node runs the current
		// revision.
		r.Covered = 0
		for _, n := range r.Nodes {
			if n.Counted && n.Covered && n.CurrentRevision {
				r.Covered++
			}
		}
		r.Complete = r.Complete && r.Covered == r.Counted
	}
	var d diag.Diagnostics
	m.Coverage, d = types.ObjectValue(coverageAttrTypes, map[string]attr.Value{
		"eligible":       types.Int64Value(int64(r.Eligible)),
		"counted":        types.Int64Value(int64(r.Counted)),
		"covered":        types.Int64Value(int64(r.Covered)),
		"complete":       types.BoolValue(r.Complete),
		"revision":       types.StringValue(r.Revision),
		"create_failure": createFailure(r.CreateFailure),
		"waves":          waveList,
	})
	diags.Append(d...)
	return diags
}

// createFailure is the controller's latest reason for not creating pods of the current template.
func createFailure(f *coverage.CreateFailure) types.String {
	if f == nil {
		return types.StringNull()
	}
	return types.StringValue(f.Message)
}

// fillDefaults sets the provider-side arguments an import or an older state may lack.
func (m *rolloutState) fillDefaults() {
	if m.FieldManager.IsNull() || m.FieldManager.IsUnknown() {
		m.FieldManager = types.StringValue(defaultFieldManager)
	}
	if m.ForceConflicts.IsNull() || m.ForceConflicts.IsUnknown() {
		m.ForceConflicts = types.BoolValue(false)
	}
	if m.WaitForRollout.IsNull() || m.WaitForRollout.IsUnknown() {
		m.WaitForRollout = types.BoolValue(true)
	}
	if m.WaitForNotReadyNodes.IsNull() || m.WaitForNotReadyNodes.IsUnknown() {
		m.WaitForNotReadyNodes = types.BoolValue(false)
	}
	if m.DeletePropagation.IsNull() || m.DeletePropagation.IsUnknown() {
		m.DeletePropagation = types.StringValue(defaultDeletePropagation)
	}
	if m.Coverage.IsNull() || m.Coverage.IsUnknown() {
		m.Coverage = types.ObjectNull(coverageAttrTypes)
	}
	if m.Rollout.IsNull() || m.Rollout.IsUnknown() {
		m.Rollout = types.ObjectNull(rolloutPolicyAttrTypes)
	}
}

// recordedUID is the uid of the DaemonSet state recorded; empty before a create.
func (m *rolloutState) recordedUID() apitypes.UID {
	if m.UID.IsNull() || m.UID.IsUnknown() {
		return ""
	}
	return apitypes.UID(m.UID.ValueString())
}

func (m *rolloutState) fieldManager() string {
	if m.FieldManager.IsNull() || m.FieldManager.IsUnknown() || m.FieldManager.ValueString() == "" {
		return defaultFieldManager
	}
	return m.FieldManager.ValueString()
}

func (m *rolloutState) rolloutSettings() rolloutSettings {
	return rolloutSettings{
		fieldManager:       m.fieldManager(),
		forceConflicts:     m.ForceConflicts.ValueBool(),
		wait:               m.WaitForRollout.IsNull() || m.WaitForRollout.ValueBool(),
		countNotReadyNodes: m.WaitForNotReadyNodes.ValueBool(),
		rollback:           rollsBack(m.Rollout),
		policy:             m.Rollout,
	}
}

// waveProgressList is the waves' progress as the coverage attributes hold it: null for none.
func waveProgressList(progress []waves.Progress) (types.List, diag.Diagnostics) {
	elemType := types.ObjectType{AttrTypes: waveProgressAttrTypes}
	if progress == nil {
		return types.ListNull(elemType), nil
	}
	var diags diag.Diagnostics
	elems := make([]attr.Value, 0, len(progress))
	for _, p := range progress {
		v, d := types.ObjectValue(waveProgressAttrTypes, map[string]attr.Value{
			"nodes": types.Int64Value(int64(p.Nodes)), "covered": types.Int64Value(int64(p.Covered)), "state": types.StringValue(string(p.State)),
		})
		diags.Append(d...)
		elems = append(elems, v)
	}
	list, d := types.ListValue(elemType, elems)
	return list, append(diags, d...)
}

// warnCreateIsNotStaged says, on a plan that creates the resource with rollout.waves, that the
// create itself is not staged: there is no previous template to stay on.
func warnCreateIsNotStaged(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if !req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var policy types.Object
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, rolloutPath, &policy)...)
	if staged(policy) {
		resp.Diagnostics.AddAttributeWarning(wavesPath, "A create is not staged",
			"This apply creates the DaemonSet, whose pods start on every eligible node at once: there is no previous template to keep later waves on. The waves pace the updates that follow.")
	}
}

// resumeIncompleteRollout makes the plan an update when the last apply or read found the rollout
// incomplete (a failed, timed-out or interrupted wait, or pods that stopped covering their nodes
// since): the update applies the configuration again and waits, so a failed rollout is never
// forgotten behind "No changes".
func resumeIncompleteRollout(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var state, plan rolloutState
	for _, v := range []struct {
		from interface {
			GetAttribute(context.Context, path.Path, any) diag.Diagnostics
		}
		to *rolloutState
	}{{req.State, &state}, {req.Plan, &plan}} {
		resp.Diagnostics.Append(v.from.GetAttribute(ctx, path.Root("coverage"), &v.to.Coverage)...)
		resp.Diagnostics.Append(v.from.GetAttribute(ctx, path.Root("wait_for_rollout"), &v.to.WaitForRollout)...)
	}
	if resp.Diagnostics.HasError() || !plan.WaitForRollout.ValueBool() || state.Coverage.IsNull() || state.Coverage.IsUnknown() {
		return
	}
	var last coverageSummaryModel
	resp.Diagnostics.Append(state.Coverage.As(ctx, &last, objectAsOptions)...)
	if resp.Diagnostics.HasError() || last.Complete.ValueBool() {
		return
	}
	for name, unknown := range map[string]attr.Value{
		"coverage":         types.ObjectUnknown(coverageAttrTypes),
		"status":           types.ObjectUnknown(statusAttrTypes),
		"generation":       types.Int64Unknown(),
		"resource_version": types.StringUnknown(),
	} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(name), unknown)...)
	}
	resp.Diagnostics.AddWarning("The last rollout did not finish",
		fmt.Sprintf("When last read, %d of %d counted nodes ran a Ready pod of the current revision. This apply applies the configuration again and waits for every counted node.",
			last.Covered.ValueInt64(), last.Counted.ValueInt64()))
}
