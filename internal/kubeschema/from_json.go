package kubeschema

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// FromJSON converts the JSON form of this Object's Go type, as encoding/json decodes it into an
// any (with or without UseNumber), into a value. Absent and null fields become null attributes;
// fields the schema leaves out are ignored. at is the value's place in the resource.
func (o *Object) FromJSON(ctx context.Context, at path.Path, value any) (types.Object, diag.Diagnostics) {
	v, diags := fromJSON(ctx, at, &shape{kind: kindObject, object: o, typ: o.objectType, null: o.Null()}, value)
	object, ok := v.(types.Object)
	if !ok || diags.HasError() {
		return o.Null(), diags
	}
	return object, diags
}

func fromJSON(ctx context.Context, at path.Path, s *shape, value any) (attr.Value, diag.Diagnostics) {
	if value == nil {
		return s.null, nil
	}
	switch s.kind {
	case kindString:
		str, ok := value.(string)
		if !ok {
			return s.null, mismatch(at, "a string", value)
		}
		return types.StringValue(str), nil
	case kindQuantity:
		str, ok := scalarText(value)
		if !ok {
			return s.null, mismatch(at, quantityForm, value)
		}
		return NewQuantityValue(str), nil
	case kindIntOrString:
		str, ok := scalarText(value)
		if !ok {
			return s.null, mismatch(at, intOrStringForm, value)
		}
		return NewIntOrStringValue(str), nil
	case kindBool:
		b, ok := value.(bool)
		if !ok {
			return s.null, mismatch(at, "a bool", value)
		}
		return types.BoolValue(b), nil
	case kindInt32, kindInt64:
		return intFromJSON(at, s, value)
	case kindObject:
		return objectFromJSON(ctx, at, s, value)
	case kindList:
		return listFromJSON(ctx, at, s, value)
	default:
		return mapFromJSON(ctx, at, s, value)
	}
}

// scalarText is the text of a JSON string or number, as a quantity or int-or-string holds it.
func scalarText(value any) (string, bool) {
	switch v := value.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	}
	return "", false
}

func intFromJSON(at path.Path, s *shape, value any) (attr.Value, diag.Diagnostics) {
	var n int64
	switch v := value.(type) {
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return s.null, mismatch(at, "a whole number", value)
		}
		n = i
	case float64:
		if v != math.Trunc(v) || v < math.MinInt64 || v >= math.MaxInt64 {
			return s.null, mismatch(at, "a whole number", value)
		}
		n = int64(v)
	case int64:
		n = v
	case int32:
		n = int64(v)
	case int:
		n = int64(v)
	default:
		return s.null, mismatch(at, "a whole number", value)
	}
	if s.kind == kindInt32 && (n < math.MinInt32 || n > math.MaxInt32) {
		return s.null, invalid(at, "Number out of range", fmt.Sprintf("%d does not fit: expected a whole number from %d to %d.", n, math.MinInt32, math.MaxInt32))
	}
	return types.Int64Value(n), nil
}

func objectFromJSON(ctx context.Context, at path.Path, s *shape, value any) (attr.Value, diag.Diagnostics) {
	m, ok := value.(map[string]any)
	if !ok {
		return s.null, mismatch(at, "an object", value)
	}
	var diags diag.Diagnostics
	attrs := make(map[string]attr.Value, len(s.object.fields))
	for _, f := range s.object.fields {
		v, d := fromJSON(ctx, at.AtName(f.attributeName), f.shape, m[f.jsonName])
		diags.Append(d...)
		attrs[f.attributeName] = v
	}
	if diags.HasError() {
		return s.null, diags
	}
	v, d := basetypes.NewObjectValue(s.object.objectType.AttrTypes, attrs)
	diags.Append(d...)
	return v, diags
}

func listFromJSON(ctx context.Context, at path.Path, s *shape, value any) (attr.Value, diag.Diagnostics) {
	items, ok := value.([]any)
	if !ok {
		return s.null, mismatch(at, "a list", value)
	}
	var diags diag.Diagnostics
	elems := make([]attr.Value, 0, len(items))
	for i, item := range items {
		if item == nil {
			diags.Append(invalid(at.AtListIndex(i), "Null list element", "Kubernetes lists hold no nulls.")...)
			continue
		}
		v, d := fromJSON(ctx, at.AtListIndex(i), s.elem, item)
		diags.Append(d...)
		elems = append(elems, v)
	}
	if diags.HasError() {
		return s.null, diags
	}
	v, d := basetypes.NewListValue(s.elem.typ, elems)
	diags.Append(d...)
	return v, diags
}

func mapFromJSON(ctx context.Context, at path.Path, s *shape, value any) (attr.Value, diag.Diagnostics) {
	m, ok := value.(map[string]any)
	if !ok {
		return s.null, mismatch(at, "a map", value)
	}
	var diags diag.Diagnostics
	elems := make(map[string]attr.Value, len(m))
	for k, item := range m {
		if item == nil {
			diags.Append(invalid(at.AtMapKey(k), "Null map value", "Kubernetes maps hold no nulls.")...)
			continue
		}
		v, d := fromJSON(ctx, at.AtMapKey(k), s.elem, item)
		diags.Append(d...)
		elems[k] = v
	}
	if diags.HasError() {
		return s.null, diags
	}
	v, d := basetypes.NewMapValue(s.elem.typ, elems)
	diags.Append(d...)
	return v, diags
}
