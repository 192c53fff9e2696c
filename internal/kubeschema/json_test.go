package kubeschema

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

func TestToJSON(t *testing.T) {
	o := mustDaemonSetSpec(t)
	cases := []struct {
		name   string
		config obj
		want   string
	}{
		{"empty spec", obj{}, `{}`},
		{"null attributes left out", obj{"min_ready_seconds": 0, "template": obj{"spec": obj{"host_pid": false}}},
			`{"minReadySeconds":0,"template":{"spec":{"hostPID":false}}}`},
		{"empty object kept", obj{"template": obj{"spec": obj{"volumes": list{obj{"name": "v", "empty_dir": obj{}}}}}},
			`{"template":{"spec":{"volumes":[{"emptyDir":{},"name":"v"}]}}}`},
		{"empty list kept", obj{"template": obj{"spec": obj{"containers": list{}}}}, `{"template":{"spec":{"containers":[]}}}`},
		{"int-or-string", obj{"update_strategy": obj{"rolling_update": obj{"max_unavailable": "10%", "max_surge": "2"}}},
			`{"updateStrategy":{"rollingUpdate":{"maxSurge":2,"maxUnavailable":"10%"}}}`},
		{"quantity kept as written", obj{"template": obj{"spec": obj{"overhead": obj{"memory": "1024Mi", "cpu": "0.5"}}}},
			`{"template":{"spec":{"overhead":{"cpu":"0.5","memory":"1024Mi"}}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, diags := o.ToJSON(t.Context(), path.Root("spec"), planValue(t, o, tc.config))
			if diags.HasError() {
				t.Fatal(diags)
			}
			if got, _ := json.Marshal(m); string(got) != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestToJSONNull(t *testing.T) {
	o := mustDaemonSetSpec(t)
	for _, v := range []attr.Value{nil, o.Null()} {
		if m, diags := o.ToJSON(t.Context(), path.Root("spec"), v); m != nil || diags.HasError() {
			t.Errorf("ToJSON(%v) = %v, %v; want nil", v, m, diags)
		}
	}
}

func TestToJSONErrors(t *testing.T) {
	ctx := t.Context()
	o := mustDaemonSetSpec(t)
	container := "spec.template.spec.containers[0]"
	cases := []struct {
		name     string
		value    attr.Value
		wantPath string
		want     string
	}{
		{"invalid quantity",
			planValue(t, o, obj{"template": obj{"spec": obj{"containers": list{obj{"name": "a", "resources": obj{"limits": obj{"memory": "1GB"}}}}}}}),
			container + `.resources.limits["memory"]`, `"1GB" is not a Kubernetes quantity`},
		{"int-or-string beyond int32",
			planValue(t, o, obj{"update_strategy": obj{"rolling_update": obj{"max_surge": "4294967296"}}}),
			"spec.update_strategy.rolling_update.max_surge", "expected a whole number such as 1"},
		{"int32 beyond range",
			planValue(t, o, obj{"min_ready_seconds": 1 << 40}),
			"spec.min_ready_seconds", "expected a whole number from -2147483648 to 2147483647"},
		{"unknown value",
			withAttribute(t, planValue(t, o, obj{}), "min_ready_seconds", types.Int64Unknown()),
			"spec.min_ready_seconds", "must be known before it can be sent to Kubernetes"},
		{"null list element",
			planValue(t, o, obj{"selector": obj{"match_expressions": list{nil}}}),
			"spec.selector.match_expressions[0]", "Kubernetes lists hold no nulls"},
		{"null map value",
			planValue(t, o, obj{"selector": obj{"match_labels": obj{"app": nil}}}),
			`spec.selector.match_labels["app"]`, "Kubernetes maps hold no nulls"},
		{"wrong value type", types.StringValue("spec"), "spec", "Expected an object, got basetypes.StringValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := o.ToJSON(ctx, path.Root("spec"), tc.value)
			expectError(t, diags, tc.wantPath, tc.want)
		})
	}
}

func TestFromJSON(t *testing.T) {
	ctx := t.Context()
	o := mustDaemonSetSpec(t)
	cases := []struct {
		name string
		json string
		want types.Object
	}{
		{"null", `null`, o.Null()},
		{"empty: an object of nulls", `{}`, planValue(t, o, obj{})},
		{"absent is null, empty list stays", `{"template":{"spec":{"containers":[]}}}`, planValue(t, o, obj{"template": obj{"spec": obj{"containers": list{}}}})},
		{"unknown fields ignored", `{"minReadySeconds":3,"templateGeneration":2,"template":{"metadata":{"name":"x"}}}`,
			planValue(t, o, obj{"min_ready_seconds": 3, "template": obj{"metadata": obj{}}})},
		{"int-or-string as number or string", `{"updateStrategy":{"rollingUpdate":{"maxSurge":1,"maxUnavailable":"10%"}}}`,
			planValue(t, o, obj{"update_strategy": obj{"rolling_update": obj{"max_surge": "1", "max_unavailable": "10%"}}})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var decoded any
			if err := json.Unmarshal([]byte(tc.json), &decoded); err != nil {
				t.Fatal(err)
			}
			got, diags := o.FromJSON(ctx, path.Root("spec"), decoded)
			if diags.HasError() {
				t.Fatal(diags)
			}
			assertSameValue(t, got, tc.want)
		})
	}
}

func TestFromJSONErrors(t *testing.T) {
	o := mustDaemonSetSpec(t)
	cases := []struct {
		name     string
		json     string
		wantPath string
		want     string
	}{
		{"string for a number", `{"minReadySeconds":"ten"}`, "spec.min_ready_seconds", "Expected a whole number, got string"},
		{"fraction for a number", `{"minReadySeconds":1.5}`, "spec.min_ready_seconds", "Expected a whole number"},
		{"int32 beyond range", `{"minReadySeconds":4294967296}`, "spec.min_ready_seconds", "expected a whole number from"},
		{"number for a string", `{"template":{"spec":{"containers":[{"name":7}]}}}`, "spec.template.spec.containers[0].name", "Expected a string, got float64"},
		{"object for a list", `{"template":{"spec":{"containers":{}}}}`, "spec.template.spec.containers", "Expected a list"},
		{"bool for a quantity", `{"template":{"spec":{"overhead":{"cpu":true}}}}`, `spec.template.spec.overhead["cpu"]`, "Expected a Kubernetes quantity"},
		{"null list element", `{"template":{"spec":{"containers":[null]}}}`, "spec.template.spec.containers[0]", "Kubernetes lists hold no nulls"},
		{"list for the object", `[]`, "spec", "Expected an object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var decoded any
			if err := json.Unmarshal([]byte(tc.json), &decoded); err != nil {
				t.Fatal(err)
			}
			got, diags := o.FromJSON(t.Context(), path.Root("spec"), decoded)
			expectError(t, diags, tc.wantPath, tc.want)
			if !got.IsNull() {
				t.Errorf("value %s on error, want null", got)
			}
		})
	}
}

func TestApplyConfigurationTargets(t *testing.T) {
	ctx := t.Context()
	o := mustDaemonSetSpec(t)
	plan := planValue(t, o, obj{"min_ready_seconds": 7})

	var spec appsv1.DaemonSetSpec
	if diags := o.ToApplyConfiguration(ctx, path.Root("spec"), plan, &spec); diags.HasError() || spec.MinReadySeconds != 7 {
		t.Errorf("API type: %v, %+v", diags, spec)
	}
	var wrong corev1ac.ContainerApplyConfiguration
	expectError(t, o.ToApplyConfiguration(ctx, path.Root("spec"), plan, &wrong), "spec", `unknown field "minReadySeconds"`)

	var ac *appsv1ac.DaemonSetSpecApplyConfiguration
	back, diags := o.FromApplyConfiguration(ctx, path.Root("spec"), ac)
	if diags.HasError() || !back.IsNull() {
		t.Errorf("nil apply configuration: %v, %s", diags, back)
	}
	_, diags = o.FromApplyConfiguration(ctx, path.Root("spec"), func() {})
	expectError(t, diags, "spec", "Could not encode func()")
}

func expectError(t *testing.T, diags diag.Diagnostics, wantPath, want string) {
	t.Helper()
	if diags.ErrorsCount() != 1 {
		t.Fatalf("want one error, got %v", diags)
	}
	d := diags.Errors()[0]
	withPath, ok := d.(diag.DiagnosticWithPath)
	if !ok || withPath.Path().String() != wantPath {
		t.Errorf("error %q at %v, want path %s", d.Detail(), withPath, wantPath)
	}
	if !strings.Contains(d.Detail(), want) {
		t.Errorf("error detail %q, want it to contain %q", d.Detail(), want)
	}
}

// withAttribute replaces one attribute of an object value.
func withAttribute(t *testing.T, o types.Object, name string, v attr.Value) types.Object {
	t.Helper()
	attrs := o.Attributes()
	if _, ok := attrs[name]; !ok || reflect.TypeOf(attrs[name]) != reflect.TypeOf(v) {
		t.Fatalf("cannot set %s to %T", name, v)
	}
	attrs[name] = v
	return types.ObjectValueMust(o.AttributeTypes(t.Context()), attrs)
}
