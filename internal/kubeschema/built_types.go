package kubeschema

import (
	"context"
	"fmt"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The framework's object, list and map types build their Terraform type, the whole subtree, each
// time one is asked for it, and ask for it and compare it deeply for every value they convert,
// null ones included. On a pod template, hundreds of attributes deep and mostly null, that work
// grows with the square of the schema and was most of the provider's CPU in a plan. These types
// are the framework's, with the Terraform type built once, and comparisons that stop where both
// sides share the attribute types of one schema. Their values are the framework's own
// (basetypes.ObjectValue, ListValue, MapValue), so models and Terraform see no difference.

// objectType is a basetypes.ObjectType whose Terraform type is built once.
type objectType struct {
	basetypes.ObjectType
	tf tftypes.Object
}

func newObjectType(attrTypes map[string]attr.Type) objectType {
	tf := tftypes.Object{AttributeTypes: make(map[string]tftypes.Type, len(attrTypes))}
	for name, t := range attrTypes {
		tf.AttributeTypes[name] = t.TerraformType(context.Background())
	}
	return objectType{ObjectType: basetypes.ObjectType{AttrTypes: attrTypes}, tf: tf}
}

func (o objectType) TerraformType(context.Context) tftypes.Type { return o.tf }

// Equal is basetypes.ObjectType's, which it also accepts: a value's Type is that one.
func (o objectType) Equal(candidate attr.Type) bool {
	var other basetypes.ObjectType
	switch c := candidate.(type) {
	case objectType:
		other = c.ObjectType
	case basetypes.ObjectType:
		other = c
	default:
		return false
	}
	return sameMap(o.AttrTypes, other.AttrTypes) || o.ObjectType.Equal(other)
}

// ValueFromTerraform is basetypes.ObjectType's, with the Terraform type built once.
func (o objectType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	if in.Type() == nil {
		return basetypes.NewObjectNull(o.AttrTypes), nil
	}
	if !sameTerraformType(in.Type(), o.tf) {
		return nil, fmt.Errorf("expected %s, got %s", o.tf, in.Type())
	}
	if !in.IsKnown() {
		return basetypes.NewObjectUnknown(o.AttrTypes), nil
	}
	if in.IsNull() {
		return basetypes.NewObjectNull(o.AttrTypes), nil
	}
	values := map[string]tftypes.Value{}
	if err := in.As(&values); err != nil {
		return nil, err
	}
	attributes := make(map[string]attr.Value, len(values))
	for name, v := range values {
		a, err := o.AttrTypes[name].ValueFromTerraform(ctx, v)
		if err != nil {
			return nil, err
		}
		attributes[name] = a
	}
	value, diags := basetypes.NewObjectValue(o.AttrTypes, attributes)
	if diags.HasError() {
		return nil, fmt.Errorf("%v", diags)
	}
	return value, nil
}

// listType is a basetypes.ListType whose Terraform type is built once.
type listType struct {
	basetypes.ListType
	tf tftypes.List
}

// newListType is the type of a list of elem: a listType for nested objects; for other elements,
// whose Terraform type is a leaf, the framework's own, as the schema's ListAttribute builds it.
func newListType(elem attr.Type) attr.Type {
	if o, ok := elem.(objectType); ok {
		return listOf(o)
	}
	return basetypes.ListType{ElemType: elem}
}

func listOf(elem objectType) listType {
	return listType{ListType: basetypes.ListType{ElemType: elem}, tf: tftypes.List{ElementType: elem.tf}}
}

func (l listType) TerraformType(context.Context) tftypes.Type { return l.tf }

// Equal is basetypes.ListType's, which it also accepts: a value's Type is that one.
func (l listType) Equal(candidate attr.Type) bool {
	switch c := candidate.(type) {
	case listType:
		return l.ListType.Equal(c.ListType)
	case basetypes.ListType:
		return l.ListType.Equal(c)
	}
	return false
}

// ValueFromTerraform is basetypes.ListType's, with the Terraform type built once.
func (l listType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	switch {
	case in.Type() == nil:
		return basetypes.NewListNull(l.ElemType), nil
	case !sameTerraformType(in.Type(), l.tf):
		return nil, fmt.Errorf("expected %s, got %s", l.tf, in.Type())
	case !in.IsKnown():
		return basetypes.NewListUnknown(l.ElemType), nil
	case in.IsNull():
		return basetypes.NewListNull(l.ElemType), nil
	}
	var values []tftypes.Value
	if err := in.As(&values); err != nil {
		return nil, err
	}
	elems := make([]attr.Value, 0, len(values))
	for _, v := range values {
		e, err := l.ElemType.ValueFromTerraform(ctx, v)
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
	}
	value, diags := basetypes.NewListValue(l.ElemType, elems)
	if diags.HasError() {
		return nil, fmt.Errorf("%v", diags)
	}
	return value, nil
}

// mapType is a basetypes.MapType whose Terraform type is built once.
type mapType struct {
	basetypes.MapType
	tf tftypes.Map
}

// newMapType is newListType for maps.
func newMapType(elem attr.Type) attr.Type {
	if o, ok := elem.(objectType); ok {
		return mapOf(o)
	}
	return basetypes.MapType{ElemType: elem}
}

func mapOf(elem objectType) mapType {
	return mapType{MapType: basetypes.MapType{ElemType: elem}, tf: tftypes.Map{ElementType: elem.tf}}
}

func (m mapType) TerraformType(context.Context) tftypes.Type { return m.tf }

// Equal is basetypes.MapType's, which it also accepts: a value's Type is that one.
func (m mapType) Equal(candidate attr.Type) bool {
	switch c := candidate.(type) {
	case mapType:
		return m.MapType.Equal(c.MapType)
	case basetypes.MapType:
		return m.MapType.Equal(c)
	}
	return false
}

// ValueFromTerraform is basetypes.MapType's, with the Terraform type built once.
func (m mapType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	switch {
	case in.Type() == nil:
		return basetypes.NewMapNull(m.ElemType), nil
	case !sameTerraformType(in.Type(), m.tf):
		return nil, fmt.Errorf("expected %s, got %s", m.tf, in.Type())
	case !in.IsKnown():
		return basetypes.NewMapUnknown(m.ElemType), nil
	case in.IsNull():
		return basetypes.NewMapNull(m.ElemType), nil
	}
	values := map[string]tftypes.Value{}
	if err := in.As(&values); err != nil {
		return nil, err
	}
	elems := make(map[string]attr.Value, len(values))
	for key, v := range values {
		e, err := m.ElemType.ValueFromTerraform(ctx, v)
		if err != nil {
			return nil, err
		}
		elems[key] = e
	}
	value, diags := basetypes.NewMapValue(m.ElemType, elems)
	if diags.HasError() {
		return nil, fmt.Errorf("%v", diags)
	}
	return value, nil
}

// sameTerraformType is a.Equal(b), except that object types sharing one map of attribute types,
// as all values of one schema do, are the same without a walk of their subtrees.
func sameTerraformType(a, b tftypes.Type) bool {
	switch a := a.(type) {
	case tftypes.Object:
		if b, ok := b.(tftypes.Object); ok && sameMap(a.AttributeTypes, b.AttributeTypes) && len(a.OptionalAttributes) == 0 && len(b.OptionalAttributes) == 0 {
			return true
		}
	case tftypes.List:
		if b, ok := b.(tftypes.List); ok {
			return sameTerraformType(a.ElementType, b.ElementType)
		}
	case tftypes.Map:
		if b, ok := b.(tftypes.Map); ok {
			return sameTerraformType(a.ElementType, b.ElementType)
		}
	}
	return a.Equal(b)
}

// sameMap reports whether a and b are one map (not merely equal ones).
func sameMap[K comparable, V any](a, b map[K]V) bool {
	return len(a) == len(b) && reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
