package daemonset

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestApplyBody(t *testing.T) {
	withName := func() map[string]any {
		return map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"serviceAccountName": "agent", "containers": []any{map[string]any{"name": "agent"}},
		}}}}
	}
	desired := withName()
	body, err := ApplyBody(desired)
	if err != nil {
		t.Fatal(err)
	}
	var patch map[string]any
	if err := json.Unmarshal(body, &patch); err != nil {
		t.Fatal(err)
	}
	podSpec, _, _ := unstructured.NestedMap(patch, "spec", "template", "spec")
	if podSpec["serviceAccount"] != "agent" || podSpec["serviceAccountName"] != "agent" {
		t.Errorf("pod spec %v: want serviceAccount and serviceAccountName both agent", podSpec)
	}
	if !reflect.DeepEqual(desired, withName()) {
		t.Errorf("ApplyBody changed its argument: %v", desired)
	}

	if recorded, _, _ := unstructured.NestedString(patch, "metadata", "annotations", AppliedAnnotation); recorded != mustString(t, desired) {
		t.Errorf("recorded %s, want the configuration as given, without the serviceAccount copy", recorded)
	}

	without := map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"hostNetwork": false}}}}
	body, err = ApplyBody(without)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &patch); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := unstructured.NestedFieldNoCopy(patch, "spec", "template", "spec", "serviceAccount"); ok {
		t.Errorf("without a ServiceAccount name the body sets serviceAccount: %s", body)
	}

	// A configuration too large to record goes unrecorded rather than over the annotations' limit.
	large := map[string]any{"metadata": map[string]any{"annotations": map[string]any{"big": strings.Repeat("x", maxRecordSize)}}}
	body, err = ApplyBody(large)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustString(t, large); string(body) != want {
		t.Errorf("a configuration over %d bytes was recorded", maxRecordSize)
	}
}

// A resource's own empty attributes travel in the record only: never in the patch, never as a
// path of the DaemonSet.
func TestApplyBody_emptyAttributes(t *testing.T) {
	desired := map[string]any{
		"spec":             map[string]any{"template": map[string]any{"spec": map[string]any{"hostNetwork": false}}},
		EmptyAttributesKey: []any{"labels", "ports"},
		WavesKey:           []any{map[string]any{"percent": 25.0}},
	}
	body, err := ApplyBody(desired)
	if err != nil {
		t.Fatal(err)
	}
	var patch map[string]any
	if err := json.Unmarshal(body, &patch); err != nil {
		t.Fatal(err)
	}
	for _, key := range recordOnly {
		if _, ok := patch[key]; ok {
			t.Errorf("the patch carries %s: %s", key, body)
		}
	}
	if recorded, _, _ := unstructured.NestedString(patch, "metadata", "annotations", AppliedAnnotation); recorded != mustString(t, desired) {
		t.Errorf("recorded %s, want the configuration with its empty attributes", recorded)
	}
	withKey, err := FieldsOf(desired)
	if err != nil {
		t.Fatalf("FieldsOf with %s: %v", EmptyAttributesKey, err)
	}
	// A reader of the live object finds the record's own keys.
	recorded, _, _ := unstructured.NestedString(patch, "metadata", "annotations", AppliedAnnotation)
	live := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{AppliedAnnotation: recorded}}}
	if raw, ok := RecordedValue(live, WavesKey); !ok || string(raw) != `[{"percent":25}]` {
		t.Errorf("RecordedValue(%s) = %s, %v; want the waves", WavesKey, raw, ok)
	}
	delete(desired, EmptyAttributesKey)
	delete(desired, WavesKey)
	without, err := FieldsOf(desired)
	if err != nil {
		t.Fatal(err)
	}
	if !withKey.set.Equals(without.set) {
		t.Errorf("FieldsOf counts %s as a path: %s, want %s", EmptyAttributesKey, withKey, without)
	}
}

func mustString(t *testing.T, v any) string {
	t.Helper()
	return string(mustJSON(t, v))
}
