package provider

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// TestSpecRoundTrip_everyAttribute applies every generated case, as the provider sends it, to a
// fake API server that keeps managed fields, and reads it back: after the apply, and after an
// import into another configuration, from the configuration the apply recorded on the object, both
// exactly as planned. The same object applied by a tool that records nothing (a server-side apply
// by another manager) imports exactly too, except for the zero values no object shows.
func TestSpecRoundTrip_everyAttribute(t *testing.T) {
	ctx := t.Context()
	cases := specCases(t, 8)
	exact, unseenZeros := 0, 0
	for _, c := range cases {
		plan := daemonSetPlan(t, withCases(c))
		desired, diags := plan.desiredObject(ctx)
		if diags.HasError() {
			t.Errorf("%s: %v", c, diags)
			continue
		}
		ours, err := daemonset.ApplyBody(desired)
		if err != nil {
			t.Fatal(err)
		}
		foreign, err := json.Marshal(desired)
		if err != nil {
			t.Fatal(err)
		}
		cs := fake.NewClientset()
		ds := fakeApply(t, cs, ours, defaultFieldManager)
		applied := plan
		if diags := readInto(ctx, &applied, ds); diags.HasError() {
			t.Errorf("%s: read after apply: %v", c, diags)
		} else if !applied.Spec.Equal(plan.Spec) {
			t.Errorf("%s: read after apply differs from the plan:\n got %s\nwant %s", c, applied.Spec, plan.Spec)
		}
		if imported, ok := importRead(t, c, plan, ds); ok && !imported.Spec.Equal(plan.Spec) {
			t.Errorf("%s: read after import of what the provider applied differs from the plan:\n got %s\nwant %s", c, imported.Spec, plan.Spec)
		}

		imported, ok := importRead(t, c, plan, fakeApply(t, fake.NewClientset(), foreign, "helm"))
		switch {
		case !ok:
		case imported.Spec.Equal(plan.Spec):
			exact++
		case zeroUnseenByImport(t, c, imported.Spec, plan.Spec):
			unseenZeros++
		default:
			t.Errorf("%s: read after import differs from the plan:\n got %s\nwant %s", c, imported.Spec, plan.Spec)
		}
	}
	t.Logf("%d cases: all read back exactly after apply and after an import of what the provider applied; "+
		"applied by another tool, %d import exactly, %d with a zero value no object records (inside an atomic struct, defaulted by the server, or an empty object)",
		len(cases), exact, unseenZeros)
}

// fakeApply server-side applies body to the fake API server under manager and returns the object.
func fakeApply(t *testing.T, cs *fake.Clientset, body []byte, manager string) *appsv1.DaemonSet {
	t.Helper()
	if _, err := cs.AppsV1().DaemonSets("default").Patch(t.Context(), "generated", k8stypes.ApplyPatchType, body, metav1.PatchOptions{FieldManager: manager}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	ds, err := cs.AppsV1().DaemonSets("default").Get(t.Context(), "generated", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// importRead reads ds as an import does, into a model that knows only plan's identity.
func importRead(t *testing.T, c specCase, plan daemonSetModel, ds *appsv1.DaemonSet) (daemonSetModel, bool) {
	t.Helper()
	imported := daemonSetModel{Metadata: plan.Metadata, Spec: types.ObjectNull(plan.Spec.AttributeTypes(t.Context()))}
	imported.fillDefaults()
	if diags := readInto(t.Context(), &imported, ds); diags.HasError() {
		t.Errorf("%s: read after import: %v", c, diags)
		return imported, false
	}
	return imported, true
}

// withoutZeros is the JSON of a spec value without its zero values, empty lists and empty objects.
func withoutZeros(t *testing.T, spec types.Object) string {
	t.Helper()
	object, err := daemonSetSpecObject()
	if err != nil {
		t.Fatal(err)
	}
	m, diags := object.ToJSON(t.Context(), path.Root("spec"), spec)
	if diags.HasError() {
		t.Fatal(diags)
	}
	var prune func(v any) any
	prune = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if e = prune(e); e == nil {
					delete(v, k)
				} else {
					v[k] = e
				}
			}
			if len(v) == 0 {
				return nil
			}
		case []any:
			if len(v) == 0 {
				return nil
			}
			for i := range v {
				v[i] = prune(v[i])
			}
		case bool, string, int64:
			if reflect.ValueOf(v).IsZero() {
				return nil
			}
		}
		return v
	}
	raw, err := json.Marshal(prune(m))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// zeroUnseenByImport reports a zero-value case whose import differs from the plan only in what no
// object records: a zero inside an atomic struct or list (a toleration's key ""), where "" and
// absent look alike, or a zero the server replaced by its default (dns_policy "" read as
// "ClusterFirst"), which an import cannot tell from a configured default.
func zeroUnseenByImport(t *testing.T, c specCase, imported, plan types.Object) bool {
	t.Helper()
	if !c.zero {
		return false
	}
	return withoutZeros(t, imported) == withoutZeros(t, plan) || nullAt(imported, c.path).Equal(nullAt(plan, c.path))
}

// nullAt is v with the attribute at the path (attribute names, "0" for a list's first element) null.
func nullAt(v attr.Value, at []string) attr.Value {
	if len(at) == 0 || v == nil || v.IsNull() || v.IsUnknown() {
		if len(at) == 0 && v != nil {
			return nullOf(v)
		}
		return v
	}
	switch v := v.(type) {
	case basetypes.ObjectValue:
		attrs := v.Attributes()
		if child, ok := attrs[at[0]]; ok {
			attrs[at[0]] = nullAt(child, at[1:])
		}
		out, _ := basetypes.NewObjectValue(v.AttributeTypes(context.Background()), attrs)
		return out
	case basetypes.ListValue:
		elems := v.Elements()
		if at[0] == "0" && len(elems) > 0 {
			elems[0] = nullAt(elems[0], at[1:])
		}
		out, _ := basetypes.NewListValue(v.ElementType(context.Background()), elems)
		return out
	}
	return v
}

func nullOf(v attr.Value) attr.Value {
	null, err := v.Type(context.Background()).ValueFromTerraform(context.Background(), tftypes.NewValue(v.Type(context.Background()).TerraformType(context.Background()), nil))
	if err != nil {
		return v
	}
	return null
}
