package kubeschema

import (
	"context"
	"fmt"
	"math"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ToJSON converts a value of this Object into the form encoding/json gives a Kubernetes object:
// maps keyed by JSON names, lists, strings, bools and int64s. Null attributes are left out, so
// what Kubernetes receives is exactly what the user set. A null value gives a nil map. at is the
// value's place in the resource, for the diagnostics.
func (o *Object) ToJSON(ctx context.Context, at path.Path, value attr.Value) (map[string]any, diag.Diagnostics) {
	out, diags := toJSON(ctx, at, &shape{kind: kindObject, object: o, typ: o.objectType}, value)
	m, ok := out.(map[string]any)
	if !ok || diags.HasError() {
		return nil, diags
	}
	return m, diags
}

// toJSON returns nil for a null value.
func toJSON(ctx context.Context, at path.Path, s *shape, value attr.Value) (any, diag.Diagnostics) {
	if value == nil || value.IsNull() {
		return nil, nil
	}
	if value.IsUnknown() {
		return nil, invalid(at, "Value not yet known", "The value is unknown until apply; it must be known before it can be sent to Kubernetes.")
	}
	switch s.kind {
	case kindString, kindQuantity, kindIntOrString:
		return stringToJSON(ctx, at, s, value)
	case kindBool:
		v, ok := value.(basetypes.BoolValuable)
		if !ok {
			return nil, mismatch(at, "a bool", value)
		}
		b, diags := v.ToBoolValue(ctx)
		return b.ValueBool(), diags
	case kindInt32, kindInt64:
		v, ok := value.(basetypes.Int64Valuable)
		if !ok {
			return nil, mismatch(at, "a whole number", value)
		}
		n, diags := v.ToInt64Value(ctx)
		if s.kind == kindInt32 && (n.ValueInt64() < math.MinInt32 || n.ValueInt64() > math.MaxInt32) {
			return nil, invalid(at, "Number out of range", fmt.Sprintf("%d does not fit: expected a whole number from %d to %d.", n.ValueInt64(), math.MinInt32, math.MaxInt32))
		}
		return n.ValueInt64(), diags
	case kindObject:
		return objectToJSON(ctx, at, s.object, value)
	case kindList:
		return listToJSON(ctx, at, s, value)
	default:
		return mapToJSON(ctx, at, s, value)
	}
}

func stringToJSON(ctx context.Context, at path.Path, s *shape, value attr.Value) (any, diag.Diagnostics) {
	v, ok := value.(basetypes.StringValuable)
	if !ok {
		return nil, mismatch(at, "a string", value)
	}
	sv, diags := v.ToStringValue(ctx)
	str := sv.ValueString()
	switch s.kind {
	case kindQuantity:
		if _, err := resource.ParseQuantity(str); err != nil {
			return nil, invalid(at, "Invalid Kubernetes quantity", fmt.Sprintf("%q is not %s.", str, quantityForm))
		}
	case kindIntOrString:
		n, isInt, err := parseIntOrString(str)
		if err != nil {
			return nil, invalid(at, "Invalid Kubernetes int-or-string", fmt.Sprintf("%q: %s; expected %s.", str, err, intOrStringForm))
		}
		if isInt {
			return n, diags
		}
	}
	return str, diags
}

func objectToJSON(ctx context.Context, at path.Path, o *Object, value attr.Value) (any, diag.Diagnostics) {
	v, ok := value.(basetypes.ObjectValuable)
	if !ok {
		return nil, mismatch(at, "an object", value)
	}
	ov, diags := v.ToObjectValue(ctx)
	attrs := ov.Attributes()
	out := make(map[string]any, len(attrs))
	for _, f := range o.fields {
		j, d := toJSON(ctx, at.AtName(f.attributeName), f.shape, attrs[f.attributeName])
		diags.Append(d...)
		if j != nil {
			out[f.jsonName] = j
		}
	}
	return out, diags
}

func listToJSON(ctx context.Context, at path.Path, s *shape, value attr.Value) (any, diag.Diagnostics) {
	v, ok := value.(basetypes.ListValuable)
	if !ok {
		return nil, mismatch(at, "a list", value)
	}
	lv, diags := v.ToListValue(ctx)
	elems := lv.Elements()
	out := make([]any, 0, len(elems))
	for i, e := range elems {
		j, d := toJSON(ctx, at.AtListIndex(i), s.elem, e)
		diags.Append(d...)
		if j == nil && !d.HasError() {
			diags.Append(invalid(at.AtListIndex(i), "Null list element", "Kubernetes lists hold no nulls: remove the element.")...)
		}
		out = append(out, j)
	}
	return out, diags
}

func mapToJSON(ctx context.Context, at path.Path, s *shape, value attr.Value) (any, diag.Diagnostics) {
	v, ok := value.(basetypes.MapValuable)
	if !ok {
		return nil, mismatch(at, "a map", value)
	}
	mv, diags := v.ToMapValue(ctx)
	out := make(map[string]any, len(mv.Elements()))
	for k, e := range mv.Elements() {
		j, d := toJSON(ctx, at.AtMapKey(k), s.elem, e)
		diags.Append(d...)
		if j == nil && !d.HasError() {
			diags.Append(invalid(at.AtMapKey(k), "Null map value", "Kubernetes maps hold no nulls: remove the key or give it a value.")...)
		}
		out[k] = j
	}
	return out, diags
}

func invalid(at path.Path, summary, detail string) diag.Diagnostics {
	return diag.Diagnostics{diag.NewAttributeErrorDiagnostic(at, summary, detail)}
}

func mismatch(at path.Path, expected string, got any) diag.Diagnostics {
	return invalid(at, "Unexpected value type", fmt.Sprintf("Expected %s, got %T.", expected, got))
}
