// Package daemonset is the engine both resources share for the DaemonSet itself: which of its field
// paths a configuration manages, what those paths hold on the live object, creating without
// adopting, taking fields over after an import, and deleting only the object that was created.
// It knows nothing of Terraform: the resources map their models to and from apps/v1.
package daemonset

import (
	"encoding/json"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
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

// Union is every path of f and g.
func (f Fields) Union(g Fields) Fields {
	switch {
	case f.set == nil:
		return g
	case g.set == nil:
		return f
	}
	return Fields{set: f.set.Union(g.set)}
}

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

// Intersection is the paths in both f and g.
func (f Fields) Intersection(g Fields) Fields {
	if f.set == nil || g.set == nil {
		return Fields{}
	}
	return Fields{set: f.set.Intersection(g.set)}
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
// object leaves out is absent here too; the caller decides what a configured zero value reads as.
func (f Fields) Extract(live *appsv1.DaemonSet) (map[string]any, error) {
	tv, err := toTyped(live)
	if err != nil {
		return nil, err
	}
	set := f.set
	if set == nil {
		set = fieldpath.NewSet()
	}
	extracted := tv.ExtractItems(set.Leaves(), typed.WithAppendKeyFields())
	out, ok := extracted.AsValue().Unstructured().(map[string]any)
	if !ok {
		out = map[string]any{}
	}
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
