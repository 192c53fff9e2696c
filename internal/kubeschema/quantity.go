package kubeschema

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"k8s.io/apimachinery/pkg/api/resource"
)

var (
	_ basetypes.StringTypable                    = QuantityType{}
	_ basetypes.StringValuableWithSemanticEquals = QuantityValue{}
	_ xattr.ValidateableAttribute                = QuantityValue{}
)

// quantityForm is the expected form quoted in errors about a quantity.
const quantityForm = `a Kubernetes quantity: a number with an optional suffix, such as "500m", "2", "128Mi" or "1Gi"`

// QuantityType is the attribute type of a Kubernetes resource.Quantity, written as a string.
type QuantityType struct {
	basetypes.StringType
}

func (t QuantityType) Equal(o attr.Type) bool {
	_, ok := o.(QuantityType)
	return ok
}

func (t QuantityType) String() string {
	return "kubeschema.QuantityType"
}

func (t QuantityType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return QuantityValue{StringValue: in}, nil
}

func (t QuantityType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	value, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := value.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("%s: unexpected value type %T", t, value)
	}
	return QuantityValue{StringValue: s}, nil
}

func (t QuantityType) ValueType(context.Context) attr.Value {
	return QuantityValue{}
}

// QuantityValue is a quantity as the user wrote it. Values that the API server would store alike
// ("1Gi" and "1024Mi", "0.5" and "500m") are semantically equal, so its canonical form never
// shows as a diff.
type QuantityValue struct {
	basetypes.StringValue
}

// NewQuantityValue returns a known quantity value; it is not parsed until it is used.
func NewQuantityValue(s string) QuantityValue {
	return QuantityValue{StringValue: basetypes.NewStringValue(s)}
}

func (v QuantityValue) Equal(o attr.Value) bool {
	other, ok := o.(QuantityValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v QuantityValue) Type(context.Context) attr.Type {
	return QuantityType{}
}

func (v QuantityValue) StringSemanticEquals(_ context.Context, other basetypes.StringValuable) (bool, diag.Diagnostics) {
	o, ok := other.(QuantityValue)
	if !ok {
		return false, nil
	}
	if v.IsNull() || v.IsUnknown() || o.IsNull() || o.IsUnknown() {
		return v.StringValue.Equal(o.StringValue), nil
	}
	a, errA := resource.ParseQuantity(v.ValueString())
	b, errB := resource.ParseQuantity(o.ValueString())
	if errA != nil || errB != nil {
		return v.ValueString() == o.ValueString(), nil
	}
	return a.Cmp(b) == 0, nil
}

// ValidateAttribute rejects a malformed quantity at plan time, before it reaches the API server.
func (v QuantityValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := resource.ParseQuantity(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Kubernetes quantity",
			fmt.Sprintf("%q is not %s.", v.ValueString(), quantityForm))
	}
}
