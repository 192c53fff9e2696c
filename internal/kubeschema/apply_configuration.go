package kubeschema

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ToApplyConfiguration fills target, a pointer to a client-go apply configuration or Kubernetes
// API type of this Object's Go type, from a value. A JSON field target does not know fails the
// conversion rather than vanish. at is the value's place in the resource.
func (o *Object) ToApplyConfiguration(ctx context.Context, at path.Path, value attr.Value, target any) diag.Diagnostics {
	m, diags := o.ToJSON(ctx, at, value)
	if diags.HasError() {
		return diags
	}
	data, err := json.Marshal(m)
	if err != nil {
		return append(diags, conversionError(at, "encode", err))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		return append(diags, conversionError(at, fmt.Sprintf("decode into %T", target), err))
	}
	return diags
}

// FromApplyConfiguration converts src, such as the spec of what client-go's Extract functions
// return, into a value of this Object. at is the value's place in the resource.
func (o *Object) FromApplyConfiguration(ctx context.Context, at path.Path, src any) (types.Object, diag.Diagnostics) {
	data, err := json.Marshal(src)
	if err != nil {
		return o.Null(), diag.Diagnostics{conversionError(at, fmt.Sprintf("encode %T", src), err)}
	}
	// UseNumber keeps int64 values whole beyond 2^53.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		return o.Null(), diag.Diagnostics{conversionError(at, "decode", err)}
	}
	return o.FromJSON(ctx, at, value)
}

func conversionError(at path.Path, step string, err error) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(at, "Kubernetes conversion failed",
		fmt.Sprintf("Could not %s the %s value: %s.", step, at, err))
}
