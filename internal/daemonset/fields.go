// Package daemonset is the engine both resources share for the DaemonSet itself: which of its field
// paths a configuration manages, what those paths hold on the live object, creating without
// adopting, taking fields over after an import, and deleting only the object that was created.
// It knows nothing of Terraform: the resources map their models to and from apps/v1.
package daemonset

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

// typeConverter reads DaemonSets with the same structured-merge schema the API server uses for
// server-side apply, so that list keys and atomic structs mean here what they mean there.
var typeConverter = sync.OnceValue(func() managedfields.TypeConverter {
	return applyconfigurations.NewTypeConverter(scheme.Scheme)
})

// Fields is a set of field paths of a DaemonSet, in server-side apply's own terms: a list of
// containers is keyed by name, a toleration list is atomic, and so on.
type Fields struct {
	set *fieldpath.Set
}

// FieldsOf returns the paths that desired sets, zero values included: desired is an apply
// configuration or any value whose JSON is a DaemonSet (kind and apiVersion included). An
// explicit false, 0 or "" is a path like any other, which is what makes a zero value managed.
func FieldsOf(desired any) (Fields, error) {
	tv, err := toTyped(desired)
	if err != nil {
		return Fields{}, err
	}
	set, err := tv.ToFieldSet()
	if err != nil {
		return Fields{}, fmt.Errorf("list the fields of the DaemonSet: %w", err)
	}
	return Fields{set: set}, nil
}

// Empty reports whether the set holds no path.
func (f Fields) Empty() bool { return f.set == nil || f.set.Empty() }

// Covers reports whether every path of g is also a path of f.
func (f Fields) Covers(g Fields) bool {
	if g.Empty() {
		return true
	}
	if f.set == nil {
		return false
	}
	return g.set.Difference(f.set).Empty()
}

// String lists the paths, for messages and logs.
func (f Fields) String() string {
	if f.set == nil {
		return ""
	}
	return f.set.String()
}

// Extract returns the live DaemonSet limited to the paths of f, in its JSON form (with kind,
// apiVersion, name and namespace): the value of every managed path, whoever owns it now, and
// nothing else, so server defaults and other tools' fields never reach state. A path the live
// object leaves out reads as its zero value (see fillZeros).
func (f Fields) Extract(live *appsv1.DaemonSet) (map[string]any, error) {
	tv, err := toTyped(live)
	if err != nil {
		return nil, err
	}
	set := f.set
	if set == nil {
		set = fieldpath.NewSet()
	}
	// Without appending list keys: a key the server defaulted (a port's protocol) is read only
	// where a managed path names it.
	extracted := tv.ExtractItems(set.Leaves())
	out, ok := extracted.AsValue().Unstructured().(map[string]any)
	if !ok {
		out = map[string]any{}
	}
	pruneZeros(out, reflect.TypeFor[appsv1.DaemonSet]())
	fillZeros(out, set.Leaves(), reflect.TypeFor[appsv1.DaemonSet]())
	out["apiVersion"], out["kind"] = "apps/v1", "DaemonSet"
	return out, nil
}

// toTyped reads a DaemonSet, typed or in any form whose JSON is one, into the typed value
// structured-merge-diff works on. The JSON round trip keeps what the sender wrote: a typed
// object loses its omitempty zero values, an apply configuration keeps them.
func toTyped(obj any) (*typed.TypedValue, error) {
	content, err := unstructuredContent(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: content}
	u.SetAPIVersion("apps/v1")
	u.SetKind("DaemonSet")
	tv, err := typeConverter().ObjectToTyped(u, typed.AllowDuplicates)
	if err != nil {
		return nil, fmt.Errorf("read the DaemonSet as server-side apply does: %w", err)
	}
	return tv, nil
}

func unstructuredContent(obj any) (map[string]any, error) {
	switch o := obj.(type) {
	case map[string]any:
		o = maps.Clone(o)
		for _, key := range recordOnly { // the resource's, not the DaemonSet's
			delete(o, key)
		}
		return runtime.DeepCopyJSON(o), nil
	case *appsv1.DaemonSet:
		return runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode the DaemonSet: %w", err)
	}
	var content map[string]any
	if err := json.Unmarshal(raw, &content); err != nil {
		return nil, fmt.Errorf("decode the DaemonSet: %w", err)
	}
	return content, nil
}

// fillZeros writes the zero value of its Go type at every leaf of set that obj lacks. Kubernetes'
// JSON leaves out a false, 0, "" or empty list (omitempty), so a managed path that the live
// object lacks is one set to its zero value: by this configuration (`host_network = false`), or,
// after an import, by the tool whose managed fields name it. Missing list items are not made up:
// a deleted container stays deleted.
func fillZeros(obj map[string]any, set *fieldpath.Set, t reflect.Type) {
	set.Iterate(func(p fieldpath.Path) {
		fillZero(obj, p, t)
	})
}

func fillZero(obj any, p fieldpath.Path, t reflect.Type) {
	t = indirect(t)
	pe := p[0]
	switch {
	case pe.FieldName != nil && t.Kind() == reflect.Struct:
		m, ok := obj.(map[string]any)
		field, found := jsonField(t, *pe.FieldName)
		if !ok || !found {
			return
		}
		fillChild(m, *pe.FieldName, p[1:], field.Type)
	case pe.FieldName != nil && t.Kind() == reflect.Map:
		if m, ok := obj.(map[string]any); ok {
			fillChild(m, *pe.FieldName, p[1:], t.Elem())
		}
	case pe.Key != nil && t.Kind() == reflect.Slice && len(p) > 1:
		items, _ := obj.([]any)
		if item, ok := findKeyed(items, *pe.Key); ok {
			fillZero(item, p[1:], t.Elem())
		}
	}
}

// fillChild fills m[name] along rest, creating the struct it needs on the way but no list item.
func fillChild(m map[string]any, name string, rest fieldpath.Path, t reflect.Type) {
	child, present := m[name]
	present = present && child != nil // extraction leaves a null where it pruned a whole struct
	if len(rest) == 0 {
		if !present {
			if zero, ok := zeroJSON(t); ok {
				m[name] = zero
			}
		}
		return
	}
	if !present {
		if indirect(t).Kind() != reflect.Struct {
			return
		}
		child = map[string]any{}
		m[name] = child
	}
	fillZero(child, rest, t)
}

// zeroJSON is the JSON zero value of a leaf of type t; false for types whose zero value has no
// JSON form that omitempty would drop (quantities, int-or-strings).
func zeroJSON(t reflect.Type) (any, bool) {
	t = indirect(t)
	switch {
	case t == reflect.TypeFor[intstr.IntOrString]() || t == reflect.TypeFor[resource.Quantity]():
		return nil, false
	}
	switch t.Kind() {
	case reflect.Bool:
		return false, true
	case reflect.Int, reflect.Int32, reflect.Int64:
		return int64(0), true
	case reflect.String:
		return "", true
	case reflect.Slice:
		return []any{}, true
	case reflect.Map, reflect.Struct:
		return map[string]any{}, true
	}
	return nil, false
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonField finds the field of struct t with the JSON name, looking into inlined embedded structs
// (a Probe's ProbeHandler).
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("json"), ",")
		if tag[0] == name {
			return f, true
		}
		if f.Anonymous && tag[0] == "" {
			if inner, ok := jsonField(indirect(f.Type), name); ok {
				return inner, true
			}
		}
	}
	return reflect.StructField{}, false
}

// pruneZeros deletes the struct fields of obj that hold false, 0 or "" (or, not being pointers,
// an empty struct or a zero quantity), as the JSON of a
// Kubernetes object would leave them out if every field were omitempty. A few are not (a pod
// affinity term's topologyKey, for one), so without this an atomic struct would read back a ""
// that nobody set. fillZeros then restores the zero values that a managed path names. Map entries
// and list items are values, never pruned.
func pruneZeros(obj any, t reflect.Type) {
	t = indirect(t)
	switch t.Kind() {
	case reflect.Struct:
		m, ok := obj.(map[string]any)
		if !ok {
			return
		}
		for name, v := range m {
			field, found := jsonField(t, name)
			if !found {
				continue
			}
			pruneZeros(v, field.Type) // first, so that a struct left empty goes too
			if isZeroScalar(v) && scalarKind(field.Type) || isEmptyStruct(v, field.Type) || isZeroQuantity(v, field.Type) {
				delete(m, name)
			}
		}
	case reflect.Slice:
		items, _ := obj.([]any)
		for _, item := range items {
			pruneZeros(item, t.Elem())
		}
	case reflect.Map:
		m, _ := obj.(map[string]any)
		for _, v := range m {
			pruneZeros(v, t.Elem())
		}
	}
}

// isEmptyStruct reports a struct field that is not a pointer and holds nothing: JSON writes it
// as {} whether or not anyone set it.
func isEmptyStruct(v any, t reflect.Type) bool {
	m, ok := v.(map[string]any)
	return ok && len(m) == 0 && t.Kind() == reflect.Struct
}

// isZeroQuantity reports a quantity field that is not a pointer and holds zero, which its JSON
// writes as "0" (a resourceFieldRef's divisor).
func isZeroQuantity(v any, t reflect.Type) bool {
	return t == reflect.TypeFor[resource.Quantity]() && v == "0"
}

func isZeroScalar(v any) bool {
	switch v := v.(type) {
	case bool:
		return !v
	case string:
		return v == ""
	case int64:
		return v == 0
	case float64:
		return v == 0
	}
	return false
}

func scalarKind(t reflect.Type) bool {
	switch indirect(t).Kind() {
	case reflect.Bool, reflect.String, reflect.Int, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}
