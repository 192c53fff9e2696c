package kubeschema

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Types with their own JSON form that the schema knows how to write.
var (
	quantityGoType    = reflect.TypeFor[resource.Quantity]()
	intOrStringGoType = reflect.TypeFor[intstr.IntOrString]()
	// Times and durations travel as the strings their MarshalJSON writes (RFC 3339, "1h30m").
	stringGoTypes = []reflect.Type{
		reflect.TypeFor[metav1.Time](),
		reflect.TypeFor[metav1.MicroTime](),
		reflect.TypeFor[metav1.Duration](),
	}
)

// NewObject builds the Object of a Kubernetes struct type (or a pointer to one), such as
// reflect.TypeFor[appsv1.DaemonSetSpec](). Building a PodSpec takes about a millisecond: do it once
// per process (sync.OnceValues) and share the result.
func NewObject(t reflect.Type, opts Options) (*Object, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("kubeschema: %s is not a struct type", t)
	}
	b := &builder{opts: opts, built: map[reflect.Type]*Object{}, building: map[reflect.Type]bool{}}
	return b.object(t, t.String())
}

// builder walks Go types; each struct type is built once and shared wherever it recurs.
type builder struct {
	opts     Options
	built    map[reflect.Type]*Object
	building map[reflect.Type]bool
}

// jsonField is a field as encoding/json sees it, with the struct whose SwaggerDoc describes it.
type jsonField struct {
	name  string
	typ   reflect.Type
	owner reflect.Type
}

func (b *builder) object(t reflect.Type, at string) (*Object, error) {
	if o, ok := b.built[t]; ok {
		return o, nil
	}
	// A type that contains itself would give a schema without end.
	if b.building[t] {
		return nil, fmt.Errorf("kubeschema: %s: type %s contains itself", at, t)
	}
	b.building[t] = true
	defer delete(b.building, t)

	fields, err := b.selectFields(t, at)
	if err != nil {
		return nil, err
	}
	o := &Object{
		goType:      t,
		description: swaggerDoc(t)[""],
		byAttribute: make(map[string]*Field, len(fields)),
		attributes:  make(map[string]schema.Attribute, len(fields)),
	}
	attrTypes := make(map[string]attr.Type, len(fields))
	for _, jf := range fields {
		s, err := b.shape(jf.typ, at+"."+jf.name)
		if err != nil {
			return nil, err
		}
		name := AttributeName(jf.name)
		if other, dup := o.byAttribute[name]; dup {
			return nil, fmt.Errorf("kubeschema: %s: JSON fields %q and %q both become attribute %q", at, other.jsonName, jf.name, name)
		}
		f := &Field{attributeName: name, jsonName: jf.name, shape: s}
		o.fields = append(o.fields, f)
		o.byAttribute[name] = f
		o.attributes[name] = s.attribute(newDoc(swaggerDoc(jf.owner)[jf.name]))
		attrTypes[name] = s.typ
	}
	o.objectType = newObjectType(attrTypes)
	b.built[t] = o
	return o, nil
}

// selectFields lists t's JSON fields and applies the Options to them.
func (b *builder) selectFields(t reflect.Type, at string) ([]jsonField, error) {
	fields := jsonFields(t)
	names := make(map[string]bool, len(fields))
	for _, f := range fields {
		if names[f.name] {
			return nil, fmt.Errorf("kubeschema: %s: JSON field %q occurs twice", at, f.name)
		}
		names[f.name] = true
	}
	only, restricted := b.opts.Only[t]
	skip := b.opts.Skip[t]
	for _, n := range slices.Concat(only, skip) {
		if !names[n] {
			return nil, fmt.Errorf("kubeschema: %s: Options name field %q, which %s does not have", at, n, t)
		}
	}
	return slices.DeleteFunc(fields, func(f jsonField) bool {
		return (restricted && !slices.Contains(only, f.name)) || slices.Contains(skip, f.name)
	}), nil
}

// jsonFields lists the fields encoding/json reads and writes for t, embedded structs inlined.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonFields(ft)...)
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, jsonField{name: name, typ: sf.Type, owner: t})
	}
	return out
}

// shape works out the Terraform form of a Go type.
func (b *builder) shape(t reflect.Type, at string) (*shape, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	s := &shape{}
	switch {
	case t == quantityGoType:
		s.kind, s.typ, s.null = kindQuantity, QuantityType{}, QuantityValue{StringValue: types.StringNull()}
	case t == intOrStringGoType:
		s.kind, s.typ, s.null = kindIntOrString, IntOrStringType{}, IntOrStringValue{StringValue: types.StringNull()}
	case slices.Contains(stringGoTypes, t):
		s.kind, s.typ, s.null = kindString, types.StringType, types.StringNull()
	case hasOwnJSONForm(t):
		return nil, fmt.Errorf("kubeschema: %s: type %s has its own JSON form, unknown to the schema; leave it out with Options", at, t)
	default:
		if err := b.shapeByKind(s, t, at); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (b *builder) shapeByKind(s *shape, t reflect.Type, at string) error {
	switch t.Kind() {
	case reflect.String:
		s.kind, s.typ, s.null = kindString, types.StringType, types.StringNull()
	case reflect.Bool:
		s.kind, s.typ, s.null = kindBool, types.BoolType, types.BoolNull()
	case reflect.Int32:
		s.kind, s.typ, s.null = kindInt32, types.Int64Type, types.Int64Null()
	case reflect.Int64:
		s.kind, s.typ, s.null = kindInt64, types.Int64Type, types.Int64Null()
	case reflect.Struct:
		o, err := b.object(t, at)
		if err != nil {
			return err
		}
		s.kind, s.object, s.typ, s.null = kindObject, o, o.objectType, o.Null()
	case reflect.Slice:
		elem, err := b.shape(t.Elem(), at+"[]")
		if err != nil {
			return err
		}
		s.kind, s.elem, s.typ, s.null = kindList, elem, newListType(elem.typ), types.ListNull(elem.typ)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("kubeschema: %s: map key type %s is not a string", at, t.Key())
		}
		elem, err := b.shape(t.Elem(), at+"{}")
		if err != nil {
			return err
		}
		s.kind, s.elem, s.typ, s.null = kindMap, elem, newMapType(elem.typ), types.MapNull(elem.typ)
	default:
		return fmt.Errorf("kubeschema: %s: Go type %s (%s) has no Terraform form here", at, t, t.Kind())
	}
	return nil
}

// hasOwnJSONForm reports whether encoding/json would call t's own methods rather than walk it.
func hasOwnJSONForm(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	for _, iface := range []reflect.Type{
		reflect.TypeFor[json.Marshaler](), reflect.TypeFor[json.Unmarshaler](),
		reflect.TypeFor[encoding.TextMarshaler](), reflect.TypeFor[encoding.TextUnmarshaler](),
	} {
		if t.Implements(iface) || p.Implements(iface) {
			return true
		}
	}
	return false
}
