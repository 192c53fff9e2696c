package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// TestWithNodes puts a covered node and an ineligible one without a pod into the data source's
// state, as Read does, and reads them back through the schema: the values built without the
// framework must be the schema's, with null where a node has no pod or no reason.
func TestWithNodes(t *testing.T) {
	ctx := t.Context()
	var schemaResp datasource.SchemaResponse
	(&coverageDataSource{}).Schema(ctx, datasource.SchemaRequest{}, &schemaResp)
	state := tfsdk.State{Schema: schemaResp.Schema}
	data := coverageModel{ID: types.StringValue("ns/agent"), Namespace: types.StringValue("ns"), Name: types.StringValue("agent")}
	report := coverage.Report{Nodes: []coverage.NodeReport{
		{Name: "node-a", Eligible: true, NodeReady: true, Counted: true, Covered: true, Pod: "agent-x", PodPhase: "Running", PodReady: true, CurrentRevision: true},
		{Name: "node-b", Reason: coverage.ReasonNodeSelector, NodeReady: true},
	}}
	if diags := setCoverage(ctx, &data, report); diags.HasError() {
		t.Fatal(diags)
	}
	if diags := state.Set(ctx, &data); diags.HasError() {
		t.Fatal(diags)
	}
	raw, err := withNodes(state.Raw, report.Nodes, map[string]int{"node-a": 1})
	if err != nil {
		t.Fatal(err)
	}
	state.Raw = raw

	var nodes []struct {
		Name             types.String `tfsdk:"name"`
		Eligible         types.Bool   `tfsdk:"eligible"`
		IneligibleReason types.String `tfsdk:"ineligible_reason"`
		NodeReady        types.Bool   `tfsdk:"node_ready"`
		Counted          types.Bool   `tfsdk:"counted"`
		Covered          types.Bool   `tfsdk:"covered"`
		Pod              types.String `tfsdk:"pod"`
		PodPhase         types.String `tfsdk:"pod_phase"`
		PodReady         types.Bool   `tfsdk:"pod_ready"`
		CurrentRevision  types.Bool   `tfsdk:"current_revision"`
		Reason           types.String `tfsdk:"reason"`
		Message          types.String `tfsdk:"message"`
		Wave             types.Int64  `tfsdk:"wave"`
	}
	var got coverageModel
	if diags := state.Get(ctx, &got); diags.HasError() {
		t.Fatal(diags)
	}
	if diags := got.Nodes.ElementsAs(ctx, &nodes, false); diags.HasError() {
		t.Fatal(diags)
	}
	if got.ID.ValueString() != "ns/agent" || len(nodes) != 2 {
		t.Fatalf("state has id %s and %d nodes, want ns/agent and 2", got.ID, len(nodes))
	}
	a, b := nodes[0], nodes[1]
	if a.Name.ValueString() != "node-a" || !a.Covered.ValueBool() || a.Pod.ValueString() != "agent-x" || !a.IneligibleReason.IsNull() || !a.Reason.IsNull() ||
		a.Wave.ValueInt64() != 2 {
		t.Errorf("covered node reads back as %+v", a)
	}
	if b.Eligible.ValueBool() || b.IneligibleReason.ValueString() != string(coverage.ReasonNodeSelector) || !b.Pod.IsNull() || !b.Message.IsNull() || !b.Wave.IsNull() {
		t.Errorf("ineligible node reads back as %+v", b)
	}
}
