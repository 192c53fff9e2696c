package kubeschema

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestNestedAttributesCarryTheirType checks every nested attribute of the DaemonSet spec: it has a
// CustomType, so that the framework looks its type up instead of building it for every value of a
// plan, and that type is the one the framework would build from the nested attributes, so that
// Terraform sees the same values.
func TestNestedAttributesCarryTheirType(t *testing.T) {
	nested := 0
	var walk func(at string, attrs map[string]schema.Attribute)
	walk = func(at string, attrs map[string]schema.Attribute) {
		for name, a := range attrs {
			n, ok := a.(schema.NestedAttribute)
			if !ok {
				continue
			}
			nested++
			if !carriesType(t, a) {
				t.Errorf("%s.%s has no CustomType", at, name)
			}
			if want := builtType(t, a); !a.GetType().Equal(want) {
				t.Errorf("%s.%s has type %s, want %s", at, name, a.GetType(), want)
			}
			walk(at+"."+name, as[schema.NestedAttributeObject](t, n.GetNestedObject()).Attributes)
		}
	}
	walk("spec", mustDaemonSetSpec(t).Attributes())
	// The pod template alone holds far more: a walk that finds few did not descend.
	if nested < 100 {
		t.Fatalf("found %d nested attributes in the DaemonSet spec, want the hundreds of the pod template", nested)
	}
}

// carriesType reports whether a nested attribute and its nested object both have a CustomType.
func carriesType(t *testing.T, a schema.Attribute) bool {
	switch a := a.(type) {
	case schema.SingleNestedAttribute:
		return a.CustomType != nil
	case schema.ListNestedAttribute:
		return a.CustomType != nil && a.NestedObject.CustomType != nil
	case schema.MapNestedAttribute:
		return a.CustomType != nil && a.NestedObject.CustomType != nil
	}
	t.Fatalf("unexpected nested attribute %T", a)
	return false
}

// builtType is the type the framework builds for an attribute that has no CustomType.
func builtType(t *testing.T, a schema.Attribute) attr.Type {
	n, ok := a.(schema.NestedAttribute)
	if !ok {
		return a.GetType()
	}
	attrTypes := map[string]attr.Type{}
	for name, child := range as[schema.NestedAttributeObject](t, n.GetNestedObject()).Attributes {
		attrTypes[name] = builtType(t, child)
	}
	object := types.ObjectType{AttrTypes: attrTypes}
	switch a.(type) {
	case schema.ListNestedAttribute:
		return types.ListType{ElemType: object}
	case schema.MapNestedAttribute:
		return types.MapType{ElemType: object}
	}
	return object
}
