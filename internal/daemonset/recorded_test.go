package daemonset

import (
	"encoding/json"
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

// recordedDesired is a configuration with the zero values an object cannot show.
func recordedDesired() map[string]any {
	labels := map[string]any{"app": "agent"}
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "DaemonSet",
		"metadata": map[string]any{"name": "agent", "namespace": "default", "annotations": map[string]any{}},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{
					"hostNetwork":     false,
					"securityContext": map[string]any{},
					"tolerations":     []any{map[string]any{"key": "dedicated", "operator": "Equal", "value": ""}},
					"containers": []any{map[string]any{"name": "agent", "image": "agent:1",
						"resources": map[string]any{"requests": map[string]any{"cpu": "0.5"}}}},
				},
			},
		},
	}
}

func ssa(t *testing.T, cs *fake.Clientset, body []byte, manager string, force bool) *appsv1.DaemonSet {
	t.Helper()
	ds, err := cs.AppsV1().DaemonSets("default").Patch(t.Context(), "agent", k8stypes.ApplyPatchType, body,
		metav1.PatchOptions{FieldManager: manager, Force: &force})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// An import reads a DaemonSet the provider applied from the configuration it recorded, as long as
// the object is still what that apply made; once another tool set or took a field, from the
// managed fields, as for any other tool's object.
func TestReadImported_recorded(t *testing.T) {
	ours := func(t *testing.T) (*fake.Clientset, *appsv1.DaemonSet) {
		cs := fake.NewClientset()
		body, err := ApplyBody(recordedDesired())
		if err != nil {
			t.Fatal(err)
		}
		return cs, ssa(t, cs, body, "kubedaemon", false)
	}
	label := func(value string) []byte {
		return mustJSON(t, map[string]any{"apiVersion": "apps/v1", "kind": "DaemonSet",
			"metadata": map[string]any{"name": "agent", "namespace": "default", "labels": map[string]any{"team": value}}})
	}
	image := mustJSON(t, map[string]any{"apiVersion": "apps/v1", "kind": "DaemonSet",
		"metadata": map[string]any{"name": "agent", "namespace": "default"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "agent", "image": "agent:1"}}}}}})

	t.Run("as applied", func(t *testing.T) {
		_, live := ours(t)
		read, prev, err := ReadImported(live)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(prev.Recorded, recordedDesired()) {
			t.Fatalf("recorded %v, want the configuration applied", prev.Recorded)
		}
		spec, _, _ := unstructured.NestedMap(read, "spec", "template", "spec")
		podSpec, _ := json.Marshal(spec)
		want := `{"containers":[{"image":"agent:1","name":"agent","resources":{"requests":{"cpu":"0.5"}}}],"hostNetwork":false,"securityContext":{},"tolerations":[{"key":"dedicated","operator":"Equal"}]}`
		if string(podSpec) != want {
			t.Errorf("pod spec\n got %s\nwant %s", podSpec, want)
		}
		if annotations, _, _ := unstructured.NestedFieldNoCopy(read, "metadata", "annotations"); !reflect.DeepEqual(annotations, map[string]any{}) {
			t.Errorf("annotations %v, want the empty map configured, without the record", annotations)
		}
	})
	t.Run("another manager shares a field", func(t *testing.T) {
		cs, _ := ours(t)
		_, prev, err := ReadImported(ssa(t, cs, image, "sidecar-injector", false))
		if err != nil {
			t.Fatal(err)
		}
		if prev.Recorded == nil || len(prev.Managers) != 2 {
			t.Errorf("recorded %v, managers %v: a manager that sets a recorded field to its value changes nothing recorded", prev.Recorded, prev.Managers)
		}
	})
	for name, change := range map[string]func(*testing.T, *fake.Clientset) *appsv1.DaemonSet{
		"another manager set a field beside": func(t *testing.T, cs *fake.Clientset) *appsv1.DaemonSet {
			return ssa(t, cs, label("infra"), "labeller", false)
		},
		"another manager took a field": func(t *testing.T, cs *fake.Clientset) *appsv1.DaemonSet {
			taken := mustJSON(t, map[string]any{"apiVersion": "apps/v1", "kind": "DaemonSet",
				"metadata": map[string]any{"name": "agent", "namespace": "default"},
				"spec":     map[string]any{"template": map[string]any{"spec": map[string]any{"hostNetwork": true}}}})
			return ssa(t, cs, taken, "other", true)
		},
		"the record was edited": func(t *testing.T, cs *fake.Clientset) *appsv1.DaemonSet {
			live, err := cs.AppsV1().DaemonSets("default").Get(t.Context(), "agent", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			live.Annotations[AppliedAnnotation] = "{not json"
			// An Update under the same manager name, as an edit by hand would be.
			updated, err := cs.AppsV1().DaemonSets("default").Update(t.Context(), live, metav1.UpdateOptions{FieldManager: "kubectl-edit"})
			if err != nil {
				t.Fatal(err)
			}
			return updated
		},
	} {
		t.Run(name, func(t *testing.T) {
			cs, _ := ours(t)
			read, prev, err := ReadImported(change(t, cs))
			if err != nil {
				t.Fatal(err)
			}
			if prev.Recorded != nil {
				t.Errorf("read from the record, which no longer says what the object is")
			}
			if annotations, _, _ := unstructured.NestedMap(read, "metadata", "annotations"); annotations[AppliedAnnotation] != nil {
				t.Errorf("the record itself was read into the configuration: %v", annotations)
			}
		})
	}
}
