package kubeschema

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
)

func TestNodeAgentRoundTrip(t *testing.T) {
	ctx := t.Context()
	o := mustDaemonSetSpec(t)
	plan := planValue(t, o, nodeAgentConfig())

	var ac appsv1ac.DaemonSetSpecApplyConfiguration
	if diags := o.ToApplyConfiguration(ctx, path.Root("spec"), plan, &ac); diags.HasError() {
		t.Fatal(diags)
	}
	assertSpec(t, &ac, nodeAgentSpec())

	back, diags := o.FromApplyConfiguration(ctx, path.Root("spec"), &ac)
	if diags.HasError() {
		t.Fatal(diags)
	}
	assertSameValue(t, back, plan)
}

// The API type's own JSON (what a server returns) reads into a value that writes it back alike.
func TestNodeAgentFromAPIType(t *testing.T) {
	ctx := t.Context()
	o := mustDaemonSetSpec(t)
	data, err := json.Marshal(nodeAgentSpec())
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var decoded any
	if err := dec.Decode(&decoded); err != nil {
		t.Fatal(err)
	}
	value, diags := o.FromJSON(ctx, path.Root("spec"), decoded)
	if diags.HasError() {
		t.Fatal(diags)
	}
	var spec appsv1.DaemonSetSpec
	if diags := o.ToApplyConfiguration(ctx, path.Root("spec"), value, &spec); diags.HasError() {
		t.Fatal(diags)
	}
	assertSpec(t, spec, nodeAgentSpec())
}

// assertSpec compares what got encodes to with the wanted DaemonSetSpec.
func assertSpec(t *testing.T, got any, want appsv1.DaemonSetSpec) {
	t.Helper()
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var spec appsv1.DaemonSetSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(spec, want) {
		wantJSON, _ := json.Marshal(want)
		t.Errorf("DaemonSetSpec differs\n got: %s\nwant: %s", data, wantJSON)
	}
}

// assertSameValue fails with the paths at which two values differ.
func assertSameValue(t *testing.T, got, want attr.Value) {
	t.Helper()
	if got.Equal(want) {
		return
	}
	ctx := t.Context()
	gotTF, err := got.ToTerraformValue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTF, err := want.ToTerraformValue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := gotTF.Diff(wantTF)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("values differ at %s: got %v, want %v", d.Path, d.Value1, d.Value2)
	}
	if len(diffs) == 0 {
		t.Errorf("values differ in type: got %s, want %s", got.Type(ctx), want.Type(ctx))
	}
}
