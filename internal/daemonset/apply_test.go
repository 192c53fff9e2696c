package daemonset

import (
	"encoding/json"
	"reflect"
	"testing"

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

	without := map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"hostNetwork": false}}}}
	body, err = ApplyBody(without)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := json.Marshal(without); string(body) != string(want) {
		t.Errorf("without a ServiceAccount name the body is %s, want %s", body, want)
	}
}
