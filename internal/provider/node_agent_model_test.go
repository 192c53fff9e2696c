package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// agentValue builds a tftypes value of the given type from Go literals (see terraformValue).
func agentValue(t *testing.T, typ tftypes.Type, v any) tftypes.Value {
	t.Helper()
	value, err := terraformValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return value
}

func as[T any](t *testing.T, v any) T {
	t.Helper()
	typed, ok := v.(T)
	if !ok {
		t.Fatalf("%#v is a %T, want a %T", v, v, typed)
	}
	return typed
}

// agentConfig is a kubedaemon_node_agent configuration as the protocol carries it.
func agentConfig(t *testing.T, values map[string]any) (tftypes.Object, tfprotov6.DynamicValue) {
	t.Helper()
	objectType := as[tftypes.Object](t, nodeAgentSchema(context.Background()).Type().TerraformType(context.Background()))
	config, err := tfprotov6.NewDynamicValue(objectType, agentValue(t, objectType, values))
	if err != nil {
		t.Fatal(err)
	}
	return objectType, config
}

// planAgent plans the creation of an agent through the provider's protocol server, so that defaults
// and plan modifiers apply as they do under Terraform, and returns the planned model.
func planAgent(t *testing.T, values map[string]any) nodeAgentModel {
	t.Helper()
	m, problem := tryPlanAgent(t, values)
	if problem != "" {
		t.Fatal(problem)
	}
	return m
}

// tryPlanAgent is planAgent for a configuration that may be refused at plan time: problem says why.
func tryPlanAgent(t *testing.T, values map[string]any) (m nodeAgentModel, problem string) {
	t.Helper()
	diags, planned := agentPlanRequests(t, values)
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return m, fmt.Sprintf("%s: %s", d.Summary, d.Detail)
		}
	}
	plan := tfsdk.Plan{Schema: nodeAgentSchema(context.Background()), Raw: planned}
	if diags := plan.Get(context.Background(), &m); diags.HasError() {
		t.Fatalf("reading the plan: %v", diags)
	}
	return m, ""
}

// agentPlanRequests makes the requests terraform plan makes to create an agent: ValidateResourceConfig
// and, when that finds no error, PlanResourceChange. It returns their diagnostics and the planned
// state (null when refused).
func agentPlanRequests(t *testing.T, values map[string]any) ([]*tfprotov6.Diagnostic, tftypes.Value) {
	t.Helper()
	ctx := context.Background()
	objectType, config := agentConfig(t, values)
	none := tftypes.NewValue(objectType, nil)
	prior, err := tfprotov6.NewDynamicValue(objectType, none)
	if err != nil {
		t.Fatal(err)
	}
	server, err := testAccProtoV6ProviderFactories["kubedaemon"]()
	if err != nil {
		t.Fatal(err)
	}
	validated, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "kubedaemon_node_agent", Config: &config})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(validated.Diagnostics, isError) {
		return validated.Diagnostics, none
	}
	resp, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "kubedaemon_node_agent", PriorState: &prior, ProposedNewState: &config, Config: &config,
	})
	if err != nil {
		t.Fatal(err)
	}
	diags := append(validated.Diagnostics, resp.Diagnostics...)
	if slices.ContainsFunc(resp.Diagnostics, isError) {
		return diags, none
	}
	planned, err := resp.PlannedState.Unmarshal(objectType)
	if err != nil {
		t.Fatal(err)
	}
	return diags, planned
}

// applyToFake server-side applies the planned DaemonSet to a fake clientset that tracks field
// managers as the API server does, and returns the stored object.
func applyToFake(t *testing.T, m *nodeAgentModel) (*fake.Clientset, *appsv1.DaemonSet) {
	t.Helper()
	ctx := context.Background()
	// The request the provider makes (see serverSideApply).
	desired, diags := m.desiredObject(ctx)
	if diags.HasError() {
		t.Fatalf("desiredObject: %v", diags)
	}
	body, err := daemonset.ApplyBody(desired)
	if err != nil {
		t.Fatal(err)
	}
	namespace, name := m.namespacedName()
	cs := fake.NewClientset()
	if _, err := cs.AppsV1().DaemonSets(namespace).Patch(ctx, name, k8stypes.ApplyPatchType, body, metav1.PatchOptions{FieldManager: m.fieldManager()}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cs, ds
}

// userAttributes are the attributes a configuration sets or defaults, with their values: what
// must survive the trip to the cluster and back.
func userAttributes(m *nodeAgentModel) map[string]attr.Value {
	skip := map[string]bool{"id": true, "daemonset_name": true, "timeouts": true, "create_service_account": true}
	values := map[string]attr.Value{}
	v := reflect.ValueOf(*m)
	for i := range v.NumField() {
		if !v.Type().Field(i).IsExported() {
			continue // the embedded rolloutState: server-side values
		}
		tag := v.Type().Field(i).Tag.Get("tfsdk")
		if value, ok := v.Field(i).Interface().(attr.Value); ok && tag != "" && !skip[tag] {
			values[tag] = value
		}
	}
	return values
}

func assertSameAttributes(t *testing.T, what string, want, got *nodeAgentModel) {
	t.Helper()
	gotValues := userAttributes(got)
	for name, w := range userAttributes(want) {
		if !w.Equal(gotValues[name]) {
			t.Errorf("%s: %s = %s, want %s", what, name, gotValues[name], w)
		}
	}
}

var (
	logCollector = map[string]any{
		"name": "log-collector", "namespace": "logging", "image": "fluent/fluent-bit:3.2",
		"host_paths": []any{
			map[string]any{"path": "/var/log"},
			map[string]any{"path": "/var/lib/docker/containers", "type": "DirectoryOrCreate"},
		},
		"env":             map[string]string{"LOG_LEVEL": "info", "EMPTY": ""},
		"pod_annotations": map[string]string{"fluentbit.io/exclude": "true"},
		"labels":          map[string]string{"team": "platform"},
	}
	nodeExporter = map[string]any{
		"name": "node-exporter", "namespace": "monitoring", "image": "quay.io/prometheus/node-exporter:v1.8.2",
		"host_network": true, "host_pid": true,
		"args": []any{"--path.procfs=/host/proc", "--path.sysfs=/host/sys"},
		"host_paths": []any{
			map[string]any{"path": "/proc", "mount_path": "/host/proc"},
			map[string]any{"path": "/sys", "mount_path": "/host/sys"},
		},
		"ports":           []any{map[string]any{"name": "metrics", "container_port": 9100}},
		"readiness_probe": map[string]any{"http_get": map[string]any{"path": "/metrics", "port": 9100}, "period_seconds": 5},
		"max_unavailable": "1",
	}
	storageDaemon = map[string]any{
		"name": "storage-daemon", "image": "example.com/storage/node-plugin:1.0", "privileged": true,
		"host_paths": []any{
			map[string]any{"path": "/dev", "read_only": false},
			map[string]any{"path": "/var/lib/kubelet", "read_only": false, "type": "Directory"},
		},
		"resources":       map[string]any{"memory_limit": "1Gi", "cpu_limit": "2"},
		"readiness_probe": map[string]any{"exec": map[string]any{"command": []any{"/bin/healthcheck"}}, "initial_delay_seconds": 3},
	}
	securityAgent = map[string]any{
		"name": "security-agent", "namespace": "security", "image": "example.com/security/agent:2.1",
		"host_pid": true, "capabilities": []any{"SYS_PTRACE", "SYS_ADMIN"},
		"host_paths":             []any{map[string]any{"path": "/proc", "mount_path": "/host/proc"}},
		"node_selector":          map[string]string{"kubernetes.io/os": "linux"},
		"create_service_account": false, "service_account_name": "security-reader",
		"max_unavailable": "0", "max_surge": "25%",
		"priority_class_name": "",
	}
)

// TestNodeAgentPlan_defaults checks the defaults that depend on other attributes.
func TestNodeAgentPlan_defaults(t *testing.T) {
	plan := planAgent(t, logCollector)
	wantEqual(t, "service_account_name", plan.ServiceAccountName.ValueString(), "log-collector")
	var hostPaths []hostPathModel
	plan.HostPaths.ElementsAs(context.Background(), &hostPaths, false)
	wantEqual(t, "mount_path", hostPaths[1].MountPath.ValueString(), "/var/lib/docker/containers")
	wantEqual(t, "read_only", hostPaths[1].ReadOnly.ValueBool(), true)
	wantEqual(t, "priority_class_name", plan.PriorityClassName.ValueString(), "system-node-critical")
	wantEqual(t, "max_unavailable", plan.MaxUnavailable.ValueString(), "10%")
	wantEqual(t, "max_surge", plan.MaxSurge.IsNull(), true)
	wantEqual(t, "create_service_account", plan.CreateServiceAccount.ValueBool(), true)
	wantEqual(t, "inject_node_name", plan.InjectNodeName.ValueBool(), true)
	wantEqual(t, "tolerate_all_taints", plan.TolerateAllTaints.ValueBool(), true)
	wantEqual(t, "resources", plan.Resources.String(), defaultResources().String())
}

// TestNodeAgentSchema checks that the schema is valid and that every attribute, nested ones
// included, has a description, and every default is documented.
func TestNodeAgentSchema(t *testing.T) {
	ctx := context.Background()
	s := nodeAgentSchema(ctx)
	if diags := s.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("ValidateImplementation: %v", diags)
	}
	var walk func(prefix string, attributes map[string]any)
	walk = func(prefix string, attributes map[string]any) {
		for name, a := range attributes {
			if name == "timeouts" {
				continue // the timeouts module's own attributes
			}
			description := reflect.ValueOf(a).FieldByName("MarkdownDescription").String()
			if description == "" {
				t.Errorf("%s%s has no MarkdownDescription", prefix, name)
			}
			if d := reflect.ValueOf(a).FieldByName("Default"); d.IsValid() && !d.IsNil() && !strings.Contains(description, "efault") {
				t.Errorf("%s%s has a default its description does not state", prefix, name)
			}
			nested := map[string]any{}
			for _, field := range []string{"Attributes", "NestedObject"} {
				f := reflect.ValueOf(a).FieldByName(field)
				if !f.IsValid() {
					continue
				}
				if field == "NestedObject" {
					f = f.FieldByName("Attributes")
				}
				for _, key := range f.MapKeys() {
					nested[key.String()] = f.MapIndex(key).Interface()
				}
			}
			walk(prefix+name+".", nested)
		}
	}
	top := map[string]any{}
	for name, a := range s.Attributes {
		top[name] = a
	}
	walk("", top)
}

func wantEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if err := expect(what, got, want); err != nil {
		t.Error(err)
	}
}
