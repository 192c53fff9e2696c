package kubeschema

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// frameworkType is typ with every type this package builds replaced by the framework's own.
func frameworkType(typ attr.Type) attr.Type {
	switch typ := typ.(type) {
	case objectType:
		return frameworkType(typ.ObjectType)
	case listType:
		return basetypes.ListType{ElemType: frameworkType(typ.ElemType)}
	case mapType:
		return basetypes.MapType{ElemType: frameworkType(typ.ElemType)}
	case basetypes.ObjectType:
		attrTypes := make(map[string]attr.Type, len(typ.AttrTypes))
		for name, t := range typ.AttrTypes {
			attrTypes[name] = frameworkType(t)
		}
		return basetypes.ObjectType{AttrTypes: attrTypes}
	case basetypes.ListType:
		return basetypes.ListType{ElemType: frameworkType(typ.ElemType)}
	case basetypes.MapType:
		return basetypes.MapType{ElemType: frameworkType(typ.ElemType)}
	}
	return typ
}

// The built types convert every value as the framework's do: a full node agent spec, with lists
// and maps of objects, and nulls and unknowns at every kind of nesting.
func TestBuiltTypesConvertAsTheFrameworkDoes(t *testing.T) {
	ctx := t.Context()
	o := mustDaemonSetSpec(t)
	full, err := planValue(t, o, nodeAgentConfig()).ToTerraformValue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	framework := frameworkType(o.objectType)
	if !o.objectType.tf.Equal(framework.TerraformType(ctx)) {
		t.Fatal("the built Terraform type differs from the framework's")
	}
	values := map[string]tftypes.Value{
		"full":    full,
		"null":    tftypes.NewValue(o.objectType.tf, nil),
		"unknown": tftypes.NewValue(o.objectType.tf, tftypes.UnknownValue),
		"unknown inside": withUnknown(t, full, tftypes.NewAttributePath().WithAttributeName("template").
			WithAttributeName("spec").WithAttributeName("containers")),
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			got, err := o.objectType.ValueFromTerraform(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			want, err := framework.ValueFromTerraform(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			// Only this side: the framework's ObjectType.Equal accepts no other type, so a value made
			// from the framework's types is unequal to one of these from its side. Every value of a
			// spec is made from this package's types.
			if !got.Equal(want) {
				t.Errorf("built type gives %s, the framework's %s", got, want)
			}
			back, err := got.ToTerraformValue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !back.Equal(v) {
				t.Errorf("the value does not convert back: %s", back)
			}
		})
	}
}

// A value of another type is refused, as the framework refuses it.
func TestBuiltTypesRefuseOtherTypes(t *testing.T) {
	ctx := t.Context()
	o := mustDaemonSetSpec(t)
	other := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"selector": tftypes.String}}
	if _, err := o.objectType.ValueFromTerraform(ctx, tftypes.NewValue(other, nil)); err == nil {
		t.Error("an object of other attributes converted")
	}
	containers := containersType(t, o)
	if _, err := containers.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil)); err == nil {
		t.Error("a list of strings converted as a list of containers")
	}
}

// Both sides of a comparison may be the framework's type: a value's Type is always that.
func TestBuiltTypesEqual(t *testing.T) {
	o := mustDaemonSetSpec(t)
	framework := frameworkType(o.objectType)
	if !o.objectType.Equal(framework) || !o.objectType.Equal(o.objectType) {
		t.Error("the built type is not equal to the framework's")
	}
	if o.objectType.Equal(o.objectType.AttrTypes["template"]) {
		t.Error("two different object types are equal")
	}
	containers := containersType(t, o)
	if !containers.Equal(frameworkType(containers)) || containers.Equal(basetypes.ListType{ElemType: basetypes.StringType{}}) {
		t.Error("list types compare wrongly")
	}
}

func withUnknown(t *testing.T, v tftypes.Value, at *tftypes.AttributePath) tftypes.Value {
	t.Helper()
	out, err := tftypes.Transform(v, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if p.Equal(at) {
			return tftypes.NewValue(v.Type(), tftypes.UnknownValue), nil
		}
		return v, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func containersType(t *testing.T, o *Object) attr.Type {
	t.Helper()
	template, ok := o.objectType.AttrTypes["template"].(objectType)
	if !ok {
		t.Fatal("template is not a built object type")
	}
	spec, ok := template.AttrTypes["spec"].(objectType)
	if !ok {
		t.Fatal("template.spec is not a built object type")
	}
	return spec.AttrTypes["containers"]
}
