package kubeschema

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// objectMetaLabels keeps only the metadata a pod template needs, so bare PodSpecs build too.
var objectMetaLabels = Options{Only: map[reflect.Type][]string{reflect.TypeFor[metav1.ObjectMeta](): {"labels", "annotations"}}}

var coverageCases = []struct {
	name   string
	goType reflect.Type
	opts   Options
}{
	{"DaemonSetSpec", reflect.TypeFor[appsv1.DaemonSetSpec](), PodTemplateOptions()},
	{"PodSpec", reflect.TypeFor[corev1.PodSpec](), objectMetaLabels},
	{"Container", reflect.TypeFor[corev1.Container](), Options{}},
}

// Every JSON field of the Go type, all the way down, has an attribute of the matching kind,
// and no attribute stands for nothing; only the fields the Options leave out are missing.
func TestNewObjectCoversEveryField(t *testing.T) {
	for _, tc := range coverageCases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := NewObject(tc.goType, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			n := walkGoAndSchema(t, tc.goType, o, o.Attributes(), tc.opts, tc.name)
			t.Logf("%s: %d attributes", tc.name, n)
		})
	}
}

// walkGoAndSchema checks one struct level against its attributes and returns how many
// attributes it found, nested ones included.
func walkGoAndSchema(t *testing.T, goType reflect.Type, o *Object, attrs map[string]schema.Attribute, opts Options, at string) int {
	t.Helper()
	only, restricted := opts.Only[goType]
	count, seen := 0, map[string]bool{}
	for name, fieldType := range goJSONFields(goType) {
		if (restricted && !slices.Contains(only, name)) || slices.Contains(opts.Skip[goType], name) {
			continue
		}
		fieldAt := at + "." + name
		f := fieldByJSONName(o, name)
		if f == nil {
			t.Errorf("%s: no field for JSON name %q", at, name)
			continue
		}
		a, ok := attrs[f.AttributeName()]
		if !ok {
			t.Errorf("%s: no attribute %q", fieldAt, f.AttributeName())
			continue
		}
		seen[f.AttributeName()] = true
		count++
		if !a.IsOptional() || a.IsComputed() || a.IsRequired() {
			t.Errorf("%s: want Optional only", fieldAt)
		}
		count += checkAttributeKind(t, fieldType, f, a, opts, fieldAt)
	}
	for name := range attrs {
		if !seen[name] {
			t.Errorf("%s: attribute %q matches no Go field", at, name)
		}
	}
	return count
}

// checkAttributeKind checks that the attribute has the kind the Go type calls for and walks
// into nested objects.
func checkAttributeKind(t *testing.T, goType reflect.Type, f *Field, a schema.Attribute, opts Options, at string) int {
	t.Helper()
	goType = derefType(goType)
	switch {
	case goType == reflect.TypeFor[resource.Quantity]():
		expectStringOf(t, a, QuantityType{}, at)
	case goType == reflect.TypeFor[intstr.IntOrString]():
		expectStringOf(t, a, IntOrStringType{}, at)
	case goType.Kind() == reflect.Struct:
		nested, ok := a.(schema.SingleNestedAttribute)
		if !ok {
			t.Errorf("%s: want SingleNestedAttribute, got %T", at, a)
			return 0
		}
		return walkGoAndSchema(t, goType, f.Object(), nested.Attributes, opts, at)
	case goType.Kind() == reflect.Slice && derefType(goType.Elem()).Kind() == reflect.Struct:
		nested, ok := a.(schema.ListNestedAttribute)
		if !ok {
			t.Errorf("%s: want ListNestedAttribute, got %T", at, a)
			return 0
		}
		return walkGoAndSchema(t, derefType(goType.Elem()), f.Object(), nested.NestedObject.Attributes, opts, at+"[]")
	case goType.Kind() == reflect.Slice:
		l, ok := a.(schema.ListAttribute)
		if !ok || !l.ElementType.Equal(primitiveType(goType.Elem())) {
			t.Errorf("%s: want ListAttribute of %s, got %#v", at, primitiveType(goType.Elem()), a)
		}
	case goType.Kind() == reflect.Map:
		m, ok := a.(schema.MapAttribute)
		if !ok || !m.ElementType.Equal(primitiveType(goType.Elem())) {
			t.Errorf("%s: want MapAttribute of %s, got %#v", at, primitiveType(goType.Elem()), a)
		}
	default:
		if !a.GetType().Equal(primitiveType(goType)) {
			t.Errorf("%s: want %s, got %s", at, primitiveType(goType), a.GetType())
		}
	}
	return 0
}

func expectStringOf(t *testing.T, a schema.Attribute, custom any, at string) {
	t.Helper()
	s, ok := a.(schema.StringAttribute)
	if !ok || s.CustomType != custom {
		t.Errorf("%s: want StringAttribute of %T, got %#v", at, custom, a)
	}
}

// primitiveType is the attribute type a scalar Go type must have.
func primitiveType(goType reflect.Type) attr.Type {
	goType = derefType(goType)
	switch {
	case goType == reflect.TypeFor[resource.Quantity]():
		return QuantityType{}
	case goType == reflect.TypeFor[intstr.IntOrString]():
		return IntOrStringType{}
	case goType.Kind() == reflect.String:
		return types.StringType
	case goType.Kind() == reflect.Bool:
		return types.BoolType
	case goType.Kind() == reflect.Int32, goType.Kind() == reflect.Int64:
		return types.Int64Type
	}
	return nil
}

func derefType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// goJSONFields reads JSON names from struct tags, written apart from the package's own walk.
func goJSONFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case sf.Anonymous && name == "":
			for n, ft := range goJSONFields(derefType(sf.Type)) {
				out[n] = ft
			}
		case sf.IsExported():
			out[name] = sf.Type
		}
	}
	return out
}

func fieldByJSONName(o *Object, jsonName string) *Field {
	for _, f := range o.Fields() {
		if f.JSONName() == jsonName {
			return f
		}
	}
	return nil
}

// Attribute names are unique in each object, are the snake case of the JSON name, and lead back
// to that JSON name through the Object's own mapping.
func TestAttributeNamesRoundTrip(t *testing.T) {
	for _, tc := range coverageCases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := NewObject(tc.goType, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			visited := map[*Object]bool{}
			var check func(o *Object)
			check = func(o *Object) {
				if visited[o] {
					return
				}
				visited[o] = true
				names := map[string]bool{}
				for _, f := range o.Fields() {
					if names[f.AttributeName()] {
						t.Errorf("%s: attribute %q twice", o.GoType(), f.AttributeName())
					}
					names[f.AttributeName()] = true
					if f.AttributeName() != AttributeName(f.JSONName()) {
						t.Errorf("%s: %q named %q", o.GoType(), f.JSONName(), f.AttributeName())
					}
					back, ok := o.Field(f.AttributeName())
					if !ok || back.JSONName() != f.JSONName() {
						t.Errorf("%s: attribute %q does not lead back to %q", o.GoType(), f.AttributeName(), f.JSONName())
					}
					if c := f.Object(); c != nil {
						check(c)
					}
				}
				if len(names) != len(o.Attributes()) || len(names) != len(o.AttributeTypes()) {
					t.Errorf("%s: %d fields, %d attributes, %d attribute types", o.GoType(), len(names), len(o.Attributes()), len(o.AttributeTypes()))
				}
			}
			check(o)
		})
	}
}

// The framework's own checks accept the schema: names, nesting, custom types.
func TestSchemaValidateImplementation(t *testing.T) {
	for _, tc := range coverageCases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := NewObject(tc.goType, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			s := schema.Schema{Attributes: map[string]schema.Attribute{"spec": o.SingleNestedAttribute(true)}}
			if diags := s.ValidateImplementation(t.Context()); diags.HasError() {
				t.Fatal(diags)
			}
			if !s.Type().Equal(types.ObjectType{AttrTypes: map[string]attr.Type{"spec": o.Type()}}) {
				t.Errorf("schema type %s differs from the Object's type", s.Type())
			}
		})
	}
}
