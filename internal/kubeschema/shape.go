package kubeschema

import (
	"math"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// kind is what a Go type becomes in Terraform.
type kind int

const (
	kindString kind = iota
	kindBool
	kindInt32
	kindInt64
	kindQuantity
	kindIntOrString
	kindObject
	kindList
	kindMap
)

// shape is the Terraform form of one Go type, with its attr.Type and null value worked out once.
type shape struct {
	kind   kind
	object *Object // kindObject
	elem   *shape  // kindList, kindMap
	typ    attr.Type
	null   attr.Value
}

// int32Range keeps int32 fields, which are Int64 attributes so every integer looks alike to
// Terraform and to Pulumi, inside the range Kubernetes accepts.
var int32Range = []validator.Int64{int64validator.Between(math.MinInt32, math.MaxInt32)}

// attribute is the schema attribute of a field of this shape. Every attribute is Optional and
// never Computed: the provider reads back only the fields it owns, so nothing else may appear.
//
// Nested attributes carry their type, worked out once, as CustomType: without it the framework
// builds the type of a whole subtree each time it looks one up, which it does for every value of a
// plan (a plan of 20 DaemonSets spent seconds of CPU on it). The type is the one the framework
// would build, so values and the schema Terraform sees are unchanged.
func (s *shape) attribute(d doc) schema.Attribute {
	switch s.kind {
	case kindBool:
		return schema.BoolAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation}
	case kindInt32:
		return schema.Int64Attribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation, Validators: int32Range}
	case kindInt64:
		return schema.Int64Attribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation}
	case kindQuantity:
		return schema.StringAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation, CustomType: QuantityType{}}
	case kindIntOrString:
		return schema.StringAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation, CustomType: IntOrStringType{}}
	case kindObject:
		d = d.or(s.object.description)
		return schema.SingleNestedAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation,
			Attributes: s.object.attributes, CustomType: s.object.objectType}
	case kindList:
		if s.elem.kind == kindObject {
			d = d.or(s.elem.object.description)
			return schema.ListNestedAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation,
				CustomType: listOf(s.elem.object.objectType), NestedObject: s.elem.nestedObject()}
		}
		return schema.ListAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation, ElementType: s.elem.typ}
	case kindMap:
		if s.elem.kind == kindObject {
			d = d.or(s.elem.object.description)
			return schema.MapNestedAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation,
				CustomType: mapOf(s.elem.object.objectType), NestedObject: s.elem.nestedObject()}
		}
		return schema.MapAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation, ElementType: s.elem.typ}
	default:
		return schema.StringAttribute{Optional: true, Description: d.text, MarkdownDescription: d.text, DeprecationMessage: d.deprecation}
	}
}

// nestedObject is the element of a nested list or map of objects of this shape.
func (s *shape) nestedObject() schema.NestedAttributeObject {
	return schema.NestedAttributeObject{Attributes: s.object.attributes, CustomType: s.object.objectType}
}
