package kubeschema

import (
	"context"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// ReconcileRead aligns a value read back from the API server with the prior value (the plan that was
// applied, or the state) where the two differ in form but not in what the field manager asked for:
//   - a null in read where prior holds a zero value (false, 0, "", an empty list or map, an object
//     of nothing but nulls and zeros) becomes that zero value: Kubernetes' JSON (omitempty) cannot
//     tell "zero" from "absent", so `host_network = false` and `args = []` read back absent, and the
//     planned zero is the truth;
//   - an attribute set in read but null in prior, inside an object prior does set, stays null: such a
//     value is a server default inside an atomic struct (fieldRef's apiVersion "v1", for example),
//     which server-side apply reports as owned by whoever owns the struct. A change by another
//     manager cannot look like this: it takes the whole struct, which then reads back absent.
//
// Without this, a second plan would show spurious diffs and Terraform would report an inconsistent
// result after apply. Lists are aligned element by element only when their lengths agree.
func ReconcileRead(ctx context.Context, prior, read attr.Value) attr.Value {
	if prior == nil || read == nil || prior.IsUnknown() || prior.IsNull() || read.IsUnknown() {
		return read
	}
	if read.IsNull() {
		if isZero(ctx, prior) {
			return prior
		}
		return read
	}
	switch r := read.(type) {
	case basetypes.ObjectValue:
		p, ok := prior.(basetypes.ObjectValue)
		if !ok {
			return read
		}
		attrs := r.Attributes()
		priorAttrs := p.Attributes()
		for name, value := range attrs {
			if prior, ok := priorAttrs[name]; ok && prior.IsNull() {
				attrs[name] = prior
				continue
			}
			attrs[name] = ReconcileRead(ctx, priorAttrs[name], value)
		}
		if kept, diags := basetypes.NewObjectValue(r.AttributeTypes(ctx), attrs); !diags.HasError() {
			return kept
		}
	case basetypes.ListValue:
		p, ok := prior.(basetypes.ListValue)
		if !ok || len(p.Elements()) != len(r.Elements()) {
			return read
		}
		elems := r.Elements()
		priorElems := p.Elements()
		for i := range elems {
			elems[i] = ReconcileRead(ctx, priorElems[i], elems[i])
		}
		if kept, diags := basetypes.NewListValue(r.ElementType(ctx), elems); !diags.HasError() {
			return kept
		}
	case basetypes.MapValue:
		p, ok := prior.(basetypes.MapValue)
		if !ok {
			return read
		}
		elems := r.Elements()
		priorElems := p.Elements()
		for key, value := range elems {
			elems[key] = ReconcileRead(ctx, priorElems[key], value)
		}
		if kept, diags := basetypes.NewMapValue(r.ElementType(ctx), elems); !diags.HasError() {
			return kept
		}
	}
	return read
}

// isZero reports whether v is a known zero value, as JSON's omitempty drops it.
func isZero(ctx context.Context, v attr.Value) bool {
	if v == nil || v.IsUnknown() {
		return false
	}
	if v.IsNull() {
		return true
	}
	switch z := v.(type) {
	case basetypes.BoolValuable:
		b, _ := z.ToBoolValue(ctx)
		return !b.ValueBool()
	case basetypes.Int64Valuable:
		n, _ := z.ToInt64Value(ctx)
		return n.ValueInt64() == 0
	case basetypes.StringValuable:
		s, _ := z.ToStringValue(ctx)
		return s.ValueString() == ""
	case basetypes.ListValue:
		return len(z.Elements()) == 0
	case basetypes.MapValue:
		return len(z.Elements()) == 0
	case basetypes.SetValue:
		return len(z.Elements()) == 0
	case basetypes.ObjectValue:
		for _, a := range z.Attributes() {
			if !isZero(ctx, a) {
				return false
			}
		}
		return true
	}
	return false
}

// Dropped lists the paths, from at, where planned holds a value and read holds none (or a zero
// for a non-zero scalar): fields the
// API server did not keep (a field of a feature gate that is off, or one an admission webhook
// removed). Left alone they would surface as Terraform's "inconsistent result after apply".
func Dropped(ctx context.Context, at path.Path, planned, read attr.Value) []path.Path {
	if planned == nil || planned.IsNull() || planned.IsUnknown() || read == nil || read.IsUnknown() {
		return nil
	}
	if read.IsNull() || !isZero(ctx, planned) && isZero(ctx, read) && !isCollection(planned) {
		// A value read back as its zero is one the object lacks: Kubernetes writes no zero.
		return []path.Path{at}
	}
	var out []path.Path
	switch p := planned.(type) {
	case basetypes.ObjectValue:
		r, ok := read.(basetypes.ObjectValue)
		if !ok {
			return nil
		}
		readAttrs := r.Attributes()
		for _, name := range slices.Sorted(maps.Keys(p.Attributes())) {
			out = append(out, Dropped(ctx, at.AtName(name), p.Attributes()[name], readAttrs[name])...)
		}
	case basetypes.ListValue:
		r, ok := read.(basetypes.ListValue)
		if !ok || len(r.Elements()) != len(p.Elements()) {
			return nil
		}
		for i, e := range p.Elements() {
			out = append(out, Dropped(ctx, at.AtListIndex(i), e, r.Elements()[i])...)
		}
	}
	return out
}

func isCollection(v attr.Value) bool {
	switch v.(type) {
	case basetypes.ObjectValue, basetypes.ListValue, basetypes.MapValue, basetypes.SetValue:
		return true
	}
	return false
}
