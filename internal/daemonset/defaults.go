package daemonset

import (
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// serverDefaults are the values the API server (v1.37's defaulting of apps/v1 DaemonSet and core/v1
// PodSpec) writes into a DaemonSet that leaves the field out, keyed by the field's name after its
// parent's. An Update (kubectl create, Helm, an operator's client) owns every field it changed,
// defaults included, so these values in its managed fields say nothing about what it was given.
var serverDefaults = map[string][]any{
	"spec.revisionHistoryLimit":               {int64(10)},
	"updateStrategy.type":                     {"RollingUpdate"},
	"rollingUpdate.maxUnavailable":            {int64(1)},
	"rollingUpdate.maxSurge":                  {int64(0)},
	"spec.dnsPolicy":                          {"ClusterFirst"},
	"spec.restartPolicy":                      {"Always"},
	"spec.schedulerName":                      {"default-scheduler"},
	"spec.terminationGracePeriodSeconds":      {int64(30)},
	"spec.enableServiceLinks":                 {true},
	"containers.terminationMessagePath":       {"/dev/termination-log"},
	"containers.terminationMessagePolicy":     {"File"},
	"initContainers.terminationMessagePath":   {"/dev/termination-log"},
	"initContainers.terminationMessagePolicy": {"File"},
	"ports.protocol":                          {"TCP"},
	"livenessProbe.timeoutSeconds":            {int64(1)},
	"livenessProbe.periodSeconds":             {int64(10)},
	"livenessProbe.successThreshold":          {int64(1)},
	"livenessProbe.failureThreshold":          {int64(3)},
	"readinessProbe.timeoutSeconds":           {int64(1)},
	"readinessProbe.periodSeconds":            {int64(10)},
	"readinessProbe.successThreshold":         {int64(1)},
	"readinessProbe.failureThreshold":         {int64(3)},
	"startupProbe.timeoutSeconds":             {int64(1)},
	"startupProbe.periodSeconds":              {int64(10)},
	"startupProbe.successThreshold":           {int64(1)},
	"startupProbe.failureThreshold":           {int64(3)},
	"httpGet.scheme":                          {"HTTP"},
	"hostPath.type":                           {""},
	"configMap.defaultMode":                   {int64(420)},
	"secret.defaultMode":                      {int64(420)},
	"projected.defaultMode":                   {int64(420)},
	"downwardAPI.defaultMode":                 {int64(420)},
}

// withoutDefaults drops from set the leaves the live object lacks or whose live value is the
// server's default for that field, the image pull policy the server derives from the image's tag, or an empty struct (which
// an Update owns whenever the server defaulted one into place).
func withoutDefaults(live *appsv1.DaemonSet, set *fieldpath.Set) *fieldpath.Set {
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		return set
	}
	kept := fieldpath.NewSet()
	set.Leaves().Iterate(func(p fieldpath.Path) {
		// An Update owns only what it changed, so a field the live object lacks was not set by
		// it (an empty struct the server pruned).
		v, found := valueAt(content, p)
		if !found || isServerDefault(content, p, v) {
			return
		}
		kept.Insert(p)
	})
	return kept
}

func isServerDefault(content map[string]any, p fieldpath.Path, v any) bool {
	if m, ok := v.(map[string]any); ok && len(m) == 0 {
		return true
	}
	key := fieldKey(p)
	for _, d := range serverDefaults[key] {
		if reflect.DeepEqual(normalize(v), d) {
			return true
		}
	}
	if strings.HasSuffix(key, "ontainers.imagePullPolicy") {
		image, _ := valueAt(content, append(p[:len(p)-1:len(p)-1], fieldpath.PathElement{FieldName: ptr.To("image")}))
		return v == defaultPullPolicy(image)
	}
	return false
}

// defaultPullPolicy is the server's choice when imagePullPolicy is left out: Always for an
// untagged or :latest image, IfNotPresent otherwise.
func defaultPullPolicy(image any) string {
	s, _ := image.(string)
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return "IfNotPresent"
	}
	name := s[strings.LastIndex(s, "/")+1:]
	if i := strings.LastIndex(name, ":"); i < 0 || name[i+1:] == "latest" {
		return "Always"
	}
	return "IfNotPresent"
}

// fieldKey names a leaf by its parent field and its own, "containers.terminationMessagePath",
// skipping list keys in between.
func fieldKey(p fieldpath.Path) string {
	var names []string
	for _, pe := range p {
		if pe.FieldName != nil {
			names = append(names, *pe.FieldName)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, ".")
	}
	return names[len(names)-2] + "." + names[len(names)-1]
}

// valueAt walks a JSON object along a structured-merge path.
func valueAt(obj any, p fieldpath.Path) (any, bool) {
	cur := obj
	for _, pe := range p {
		switch {
		case pe.FieldName != nil:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[*pe.FieldName]; !ok {
				return nil, false
			}
		case pe.Key != nil:
			items, ok := cur.([]any)
			if !ok {
				return nil, false
			}
			cur, ok = findKeyed(items, *pe.Key)
			if !ok {
				return nil, false
			}
		case pe.Index != nil:
			items, ok := cur.([]any)
			if !ok || *pe.Index >= len(items) {
				return nil, false
			}
			cur = items[*pe.Index]
		default:
			// A set member (by value) is a leaf whose value is itself.
			return value.ToString(*pe.Value), true
		}
	}
	return cur, true
}

func findKeyed(items []any, key value.FieldList) (any, bool) {
	for _, item := range items {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		match := true
		for _, f := range key {
			if !reflect.DeepEqual(normalize(m[f.Name]), normalize(f.Value.Unstructured())) {
				match = false
				break
			}
		}
		if match {
			return item, true
		}
	}
	return nil, false
}

// normalize makes the numbers of different decoders comparable.
func normalize(v any) any {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int32:
		return int64(n)
	case float64:
		if n == float64(int64(n)) {
			return int64(n)
		}
	}
	return v
}
