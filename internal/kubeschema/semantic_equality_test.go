package kubeschema

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
)

func TestQuantitySemanticEquality(t *testing.T) {
	cases := []struct {
		a, b basetypes.StringValuableWithSemanticEquals
		want bool
	}{
		{NewQuantityValue("1Gi"), NewQuantityValue("1024Mi"), true},
		{NewQuantityValue("0.5"), NewQuantityValue("500m"), true},
		{NewQuantityValue("1"), NewQuantityValue("1000m"), true},
		{NewQuantityValue("1G"), NewQuantityValue("1Gi"), false},
		{NewQuantityValue("128Mi"), NewQuantityValue("256Mi"), false},
		{NewQuantityValue("bogus"), NewQuantityValue("bogus"), true},
		{NewQuantityValue("bogus"), NewQuantityValue("1"), false},
		{QuantityValue{StringValue: types.StringNull()}, QuantityValue{StringValue: types.StringNull()}, true},
		{QuantityValue{StringValue: types.StringNull()}, NewQuantityValue("1"), false},
		{NewQuantityValue("1"), NewIntOrStringValue("1"), false},
	}
	checkSemanticEquality(t, cases)
}

func TestIntOrStringSemanticEquality(t *testing.T) {
	cases := []struct {
		a, b basetypes.StringValuableWithSemanticEquals
		want bool
	}{
		{NewIntOrStringValue("1"), NewIntOrStringValue("1"), true},
		{NewIntOrStringValue("01"), NewIntOrStringValue("1"), true},
		{NewIntOrStringValue("+8080"), NewIntOrStringValue("8080"), true},
		{NewIntOrStringValue("10%"), NewIntOrStringValue("10%"), true},
		{NewIntOrStringValue("10%"), NewIntOrStringValue("10"), false},
		{NewIntOrStringValue("http"), NewIntOrStringValue("metrics"), false},
		{NewIntOrStringValue("2"), NewIntOrStringValue("3"), false},
		{IntOrStringValue{StringValue: types.StringUnknown()}, NewIntOrStringValue("3"), false},
		{NewIntOrStringValue("1"), NewQuantityValue("1"), false},
	}
	checkSemanticEquality(t, cases)
}

func checkSemanticEquality(t *testing.T, cases []struct {
	a, b basetypes.StringValuableWithSemanticEquals
	want bool
}) {
	t.Helper()
	for _, tc := range cases {
		got, diags := tc.a.StringSemanticEquals(t.Context(), tc.b)
		if diags.HasError() {
			t.Errorf("%s vs %s: %v", tc.a, tc.b, diags)
		}
		if got != tc.want {
			t.Errorf("%s semantically equals %s = %t, want %t", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCustomTypesValidate(t *testing.T) {
	cases := []struct {
		name    string
		value   xattr.ValidateableAttribute
		wantErr bool
	}{
		{"quantity", NewQuantityValue("250m"), false},
		{"binary quantity", NewQuantityValue("1.5Gi"), false},
		{"not a quantity", NewQuantityValue("1GB"), true},
		{"null quantity", QuantityValue{StringValue: types.StringNull()}, false},
		{"unknown quantity", QuantityValue{StringValue: types.StringUnknown()}, false},
		{"int", NewIntOrStringValue("1"), false},
		{"percent", NewIntOrStringValue("10%"), false},
		{"port name", NewIntOrStringValue("http"), false},
		{"int beyond int32", NewIntOrStringValue("3000000000"), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := &xattr.ValidateAttributeResponse{}
			tc.value.ValidateAttribute(t.Context(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, resp)
			if resp.Diagnostics.HasError() != tc.wantErr {
				t.Errorf("diagnostics %v, want error %t", resp.Diagnostics, tc.wantErr)
			}
		})
	}
}

// The framework builds values through the types; they must come back as the custom values.
func TestCustomTypesFromTerraform(t *testing.T) {
	ctx := t.Context()
	for _, typ := range []basetypes.StringTypable{QuantityType{}, IntOrStringType{}} {
		v, err := typ.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, "1"))
		if err != nil {
			t.Fatal(err)
		}
		if !v.Type(ctx).Equal(typ) || !typ.ValueType(ctx).Type(ctx).Equal(typ) {
			t.Errorf("%s: value of type %s", typ, v.Type(ctx))
		}
		null, err := typ.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, nil))
		if err != nil || !null.IsNull() {
			t.Errorf("%s: null gave %v, %v", typ, null, err)
		}
	}
	if (QuantityType{}).Equal(IntOrStringType{}) || (IntOrStringType{}).Equal(types.StringType) {
		t.Error("custom types equal to other types")
	}
}

// Kubernetes writes quantities back in canonical form; only semantic equality keeps the user's.
func TestQuantityReadBackIsSemanticallyEqual(t *testing.T) {
	ctx := t.Context()
	o := mustDaemonSetSpec(t)
	for _, written := range []string{"1024Mi", "0.5", "1000m"} {
		plan := planValue(t, o, obj{"template": obj{"spec": obj{"overhead": obj{"cpu": written}}}})
		var ac appsv1ac.DaemonSetSpecApplyConfiguration
		if diags := o.ToApplyConfiguration(ctx, path.Root("spec"), plan, &ac); diags.HasError() {
			t.Fatal(diags)
		}
		back, diags := o.FromApplyConfiguration(ctx, path.Root("spec"), &ac)
		if diags.HasError() {
			t.Fatal(diags)
		}
		got := overheadCPU(t, back)
		want := NewQuantityValue(written)
		if equal, _ := want.StringSemanticEquals(ctx, got); !equal {
			t.Errorf("%s read back as %s, not semantically equal", written, got)
		}
	}
}

func overheadCPU(t *testing.T, spec types.Object) QuantityValue {
	t.Helper()
	template := as[types.Object](t, spec.Attributes()["template"])
	podSpec := as[types.Object](t, template.Attributes()["spec"])
	return as[QuantityValue](t, as[types.Map](t, podSpec.Attributes()["overhead"]).Elements()["cpu"])
}
