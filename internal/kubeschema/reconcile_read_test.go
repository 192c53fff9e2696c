package kubeschema

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

func TestReconcileRead(t *testing.T) {
	ctx := context.Background()
	container, err := NewObject(reflect.TypeFor[corev1.Container](), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// What a user configured: empty args and an empty env list, a command.
	configured, diags := container.FromJSON(ctx, path.Empty(), map[string]any{
		"name": "agent", "image": "x", "args": []any{}, "command": []any{"run"},
		"env":       []any{map[string]any{"name": "NODE_NAME", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "spec.nodeName"}}}},
		"resources": map[string]any{"limits": map[string]any{}},
	})
	if diags.HasError() {
		t.Fatal(diags)
	}
	// What comes back from the API: the empty collections are gone.
	ac := &corev1ac.ContainerApplyConfiguration{}
	if d := container.ToApplyConfiguration(ctx, path.Empty(), configured, ac); d.HasError() {
		t.Fatal(d)
	}
	// The API server defaults apiVersion inside fieldRef, an atomic struct the manager owns whole.
	ac.Env[0].ValueFrom.FieldRef.WithAPIVersion("v1")
	read, diags := container.FromApplyConfiguration(ctx, path.Empty(), ac)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if read.Equal(configured) {
		t.Fatal("the read value equals the configured one; this test no longer shows the problems it guards")
	}

	kept := ReconcileRead(ctx, configured, read)
	if !kept.Equal(configured) {
		t.Errorf("ReconcileRead = %v, want the configured value %v (empty lists kept, the default apiVersion dropped)", kept, configured)
	}

	// A collection that is really absent from both stays null, and a changed value is not masked.
	other, diags := container.FromJSON(ctx, path.Empty(), map[string]any{"name": "agent", "image": "y"})
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got := ReconcileRead(ctx, configured, other); got.Equal(configured) {
		t.Error("a changed image was masked by the prior value")
	}
	if got := ReconcileRead(ctx, types.ObjectNull(container.AttributeTypes()), read); !got.Equal(read) {
		t.Error("a null prior changed the read value")
	}
}
