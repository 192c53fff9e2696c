package kubeschema

import (
	"maps"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// Object is the Terraform face of one Kubernetes struct type: its schema attributes, its object
// type, and the mapping between attribute names and JSON names that the value conversions use.
// An Object is immutable once built and safe for concurrent use.
type Object struct {
	goType      reflect.Type
	description string
	fields      []*Field
	byAttribute map[string]*Field
	attributes  map[string]schema.Attribute
	objectType  objectType
}

// Field is one attribute of an Object and the JSON field it stands for.
type Field struct {
	attributeName string
	jsonName      string
	shape         *shape
}

// GoType is the struct type the Object was built from.
func (o *Object) GoType() reflect.Type { return o.goType }

// Description is the type's own documentation.
func (o *Object) Description() string { return o.description }

// Attributes returns the schema attributes, one per field, keyed by attribute name. The map is
// the caller's; the nested attribute maps inside are shared, so copy one before changing it.
func (o *Object) Attributes() map[string]schema.Attribute { return maps.Clone(o.attributes) }

// AttributeTypes returns the attr.Type of each attribute, as types.Object values need them.
func (o *Object) AttributeTypes() map[string]attr.Type { return maps.Clone(o.objectType.AttrTypes) }

// Type is the object type of a value of this Object.
func (o *Object) Type() basetypes.ObjectType { return o.objectType.ObjectType }

// Null is the null value of this Object.
func (o *Object) Null() basetypes.ObjectValue { return basetypes.NewObjectNull(o.objectType.AttrTypes) }

// Fields lists the fields in the Go type's order.
func (o *Object) Fields() []*Field { return append([]*Field(nil), o.fields...) }

// Field finds a field by its attribute name.
func (o *Object) Field(attributeName string) (*Field, bool) {
	f, ok := o.byAttribute[attributeName]
	return f, ok
}

// SingleNestedAttribute wraps the attributes into one nested attribute described by the type's
// documentation; it is Required or else Optional.
func (o *Object) SingleNestedAttribute(required bool) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Attributes:          o.Attributes(),
		Required:            required,
		Optional:            !required,
		Description:         o.description,
		MarkdownDescription: o.description,
	}
}

// AttributeName is the Terraform attribute name of the field.
func (f *Field) AttributeName() string { return f.attributeName }

// JSONName is the Kubernetes JSON name of the field.
func (f *Field) JSONName() string { return f.jsonName }

// Object is the struct the field holds, directly or as list or map elements; nil for other fields.
func (f *Field) Object() *Object {
	s := f.shape
	for s.elem != nil {
		s = s.elem
	}
	return s.object
}
