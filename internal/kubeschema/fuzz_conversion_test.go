package kubeschema

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
)

// FuzzDaemonSetSpecConversion feeds arbitrary JSON, as an API server, a state file or a hand-written
// object could hold it, through the conversions of a DaemonSetSpec: JSON to value, value to apply
// configuration, and back. None may panic. A value read from JSON must be one of its schema type;
// once a value converts to an apply configuration, that configuration must read back into a value
// that describes the same spec. Seeds: testdata/fuzz/FuzzDaemonSetSpecConversion.
func FuzzDaemonSetSpecConversion(f *testing.F) {
	o := mustDaemonSetSpec(f)
	spec := path.Root("spec")
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := t.Context()
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var decoded any
		if dec.Decode(&decoded) != nil {
			return
		}
		value, diags := o.FromJSON(ctx, spec, decoded)
		if diags.HasError() {
			return
		}
		if _, err := value.ToTerraformValue(ctx); err != nil {
			t.Fatalf("the value read from JSON does not fit its type: %v", err)
		}
		var ac appsv1ac.DaemonSetSpecApplyConfiguration
		if diags := o.ToApplyConfiguration(ctx, spec, value, &ac); diags.HasError() {
			return
		}
		back, diags := o.FromApplyConfiguration(ctx, spec, &ac)
		if diags.HasError() {
			t.Fatalf("an apply configuration made from a value does not read back: %v", diags)
		}
		var sent, readBack appsv1.DaemonSetSpec
		if diags := o.ToApplyConfiguration(ctx, spec, value, &sent); diags.HasError() {
			t.Fatalf("the value converts to an apply configuration but not to the API type: %v", diags)
		}
		if diags := o.ToApplyConfiguration(ctx, spec, back, &readBack); diags.HasError() {
			t.Fatalf("the value read back does not convert again: %v", diags)
		}
		if !apiequality.Semantic.DeepEqual(sent, readBack) {
			first, _ := json.Marshal(sent)
			second, _ := json.Marshal(readBack)
			t.Fatalf("the spec changed on its way through an apply configuration\n sent: %s\n back: %s", first, second)
		}
	})
}
