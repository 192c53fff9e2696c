package kubeschema

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// KeepEmptyCollections returns read with each null list or map replaced by the empty one that prior
// holds at the same place. Kubernetes (and client-go's apply configurations) drop empty collections,
// so `args = []` reads back as absent; keeping the configured empty value avoids a spurious diff
// and Terraform's "inconsistent result after apply".
func KeepEmptyCollections(ctx context.Context, prior, read attr.Value) attr.Value {
	if prior == nil || read == nil || prior.IsUnknown() || prior.IsNull() || read.IsUnknown() {
		return read
	}
	if read.IsNull() {
		if isEmptyCollection(prior) {
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
			attrs[name] = KeepEmptyCollections(ctx, priorAttrs[name], value)
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
			elems[i] = KeepEmptyCollections(ctx, priorElems[i], elems[i])
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
			elems[key] = KeepEmptyCollections(ctx, priorElems[key], value)
		}
		if kept, diags := basetypes.NewMapValue(r.ElementType(ctx), elems); !diags.HasError() {
			return kept
		}
	}
	return read
}

func isEmptyCollection(v attr.Value) bool {
	switch c := v.(type) {
	case basetypes.ListValue:
		return len(c.Elements()) == 0
	case basetypes.MapValue:
		return len(c.Elements()) == 0
	case basetypes.SetValue:
		return len(c.Elements()) == 0
	}
	return false
}
