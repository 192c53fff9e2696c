package kubeschema

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var (
	_ basetypes.StringTypable                    = IntOrStringType{}
	_ basetypes.StringValuableWithSemanticEquals = IntOrStringValue{}
	_ xattr.ValidateableAttribute                = IntOrStringValue{}
)

// intOrStringForm is the expected form quoted in errors about an int-or-string.
const intOrStringForm = `a whole number such as 1 or 8080, or a string such as "10%" or a port name`

// IntOrStringType is the attribute type of a Kubernetes intstr.IntOrString. It is a string in the
// schema: Terraform converts a number the user writes (maxSurge = 1) into "1", and the conversion
// to Kubernetes sends a string that holds a whole number back as a number.
type IntOrStringType struct {
	basetypes.StringType
}

func (t IntOrStringType) Equal(o attr.Type) bool {
	_, ok := o.(IntOrStringType)
	return ok
}

func (t IntOrStringType) String() string {
	return "kubeschema.IntOrStringType"
}

func (t IntOrStringType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return IntOrStringValue{StringValue: in}, nil
}

func (t IntOrStringType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	value, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := value.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("%s: unexpected value type %T", t, value)
	}
	return IntOrStringValue{StringValue: s}, nil
}

func (t IntOrStringType) ValueType(context.Context) attr.Value {
	return IntOrStringValue{}
}

// IntOrStringValue is an int-or-string as the user wrote it. Two values are semantically equal
// when Kubernetes would read them alike: the same whole number ("1", "01", "+1") or the same string.
type IntOrStringValue struct {
	basetypes.StringValue
}

// NewIntOrStringValue returns a known int-or-string value.
func NewIntOrStringValue(s string) IntOrStringValue {
	return IntOrStringValue{StringValue: basetypes.NewStringValue(s)}
}

func (v IntOrStringValue) Equal(o attr.Value) bool {
	other, ok := o.(IntOrStringValue)
	return ok && v.StringValue.Equal(other.StringValue)
}

func (v IntOrStringValue) Type(context.Context) attr.Type {
	return IntOrStringType{}
}

func (v IntOrStringValue) StringSemanticEquals(_ context.Context, other basetypes.StringValuable) (bool, diag.Diagnostics) {
	o, ok := other.(IntOrStringValue)
	if !ok {
		return false, nil
	}
	if v.IsNull() || v.IsUnknown() || o.IsNull() || o.IsUnknown() {
		return v.StringValue.Equal(o.StringValue), nil
	}
	a, aIsInt, _ := parseIntOrString(v.ValueString())
	b, bIsInt, _ := parseIntOrString(o.ValueString())
	if aIsInt && bIsInt {
		return a == b, nil
	}
	return !aIsInt && !bIsInt && v.ValueString() == o.ValueString(), nil
}

// ValidateAttribute rejects a whole number that does not fit the int32 Kubernetes keeps it in.
func (v IntOrStringValue) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, _, err := parseIntOrString(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Kubernetes int-or-string",
			fmt.Sprintf("%q: %s; expected %s.", v.ValueString(), err, intOrStringForm))
	}
}

// parseIntOrString reads s as Kubernetes would: a whole number is an int (which must fit int32),
// anything else a string.
func parseIntOrString(s string) (n int64, isInt bool, err error) {
	n, err = strconv.ParseInt(s, 10, 32)
	switch {
	case err == nil:
		return n, true, nil
	case errors.Is(err, strconv.ErrRange):
		return 0, true, fmt.Errorf("the number is outside %d..%d", math.MinInt32, math.MaxInt32)
	default:
		return 0, false, nil
	}
}
