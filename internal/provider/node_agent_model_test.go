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
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
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
	ac, diags := m.applyConfiguration(ctx)
	if diags.HasError() {
		t.Fatalf("applyConfiguration: %v", diags)
	}
	cs := fake.NewClientset()
	if _, err := cs.AppsV1().DaemonSets(*ac.Namespace).Apply(ctx, ac, metav1.ApplyOptions{FieldManager: m.fieldManager()}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	ds, err := cs.AppsV1().DaemonSets(*ac.Namespace).Get(ctx, *ac.Name, metav1.GetOptions{})
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

// TestNodeAgentDaemonSet checks the DaemonSet each seed use case plans, and that reading it back
// from the fields the manager owns gives the planned attributes: after the apply (prior = plan), and
// after an import (prior = nothing but the name).
func TestNodeAgentDaemonSet(t *testing.T) {
	tests := []struct {
		name   string
		config map[string]any
		check  func(t *testing.T, ds *appsv1.DaemonSet)
	}{
		{"log collector", logCollector, func(t *testing.T, ds *appsv1.DaemonSet) {
			pod := ds.Spec.Template.Spec
			c := pod.Containers[0]
			wantEqual(t, "selector", ds.Spec.Selector.MatchLabels, map[string]string{
				"app.kubernetes.io/name": "log-collector", "app.kubernetes.io/managed-by": "kubedaemon"})
			wantEqual(t, "pod labels", ds.Spec.Template.Labels, map[string]string{
				"app.kubernetes.io/name": "log-collector", "app.kubernetes.io/managed-by": "kubedaemon", "team": "platform"})
			wantEqual(t, "tolerations", pod.Tolerations, []corev1.Toleration{{Operator: corev1.TolerationOpExists}})
			wantEqual(t, "priority class", pod.PriorityClassName, "system-node-critical")
			wantEqual(t, "service account", pod.ServiceAccountName, "log-collector")
			wantEqual(t, "container name", c.Name, "log-collector")
			wantEqual(t, "env", c.Env, []corev1.EnvVar{
				{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
				{Name: "EMPTY"}, {Name: "LOG_LEVEL", Value: "info"},
			})
			wantEqual(t, "mounts", c.VolumeMounts, []corev1.VolumeMount{
				{Name: "host-path-0", MountPath: "/var/log", ReadOnly: true},
				{Name: "host-path-1", MountPath: "/var/lib/docker/containers", ReadOnly: true},
			})
			wantEqual(t, "second volume", *pod.Volumes[1].HostPath.Type, corev1.HostPathDirectoryOrCreate)
			wantEqual(t, "requests", c.Resources.Requests.Cpu().String()+" "+c.Resources.Requests.Memory().String(), "50m 64Mi")
			wantEqual(t, "limits", c.Resources.Limits.Cpu().String()+" "+c.Resources.Limits.Memory().String(), "500m 256Mi")
			wantEqual(t, "max unavailable", ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.String(), "10%")
			wantEqual(t, "strategy", ds.Spec.UpdateStrategy.Type, appsv1.RollingUpdateDaemonSetStrategyType)
			wantEqual(t, "privileged", *c.SecurityContext.Privileged, false)
			wantEqual(t, "host network", pod.HostNetwork, false)
		}},
		{"node exporter", nodeExporter, func(t *testing.T, ds *appsv1.DaemonSet) {
			pod := ds.Spec.Template.Spec
			c := pod.Containers[0]
			wantEqual(t, "host network, PID", []bool{pod.HostNetwork, pod.HostPID}, []bool{true, true})
			wantEqual(t, "DNS policy", pod.DNSPolicy, corev1.DNSClusterFirstWithHostNet)
			wantEqual(t, "mount", c.VolumeMounts[0], corev1.VolumeMount{Name: "host-path-0", MountPath: "/host/proc", ReadOnly: true})
			wantEqual(t, "volume", pod.Volumes[0].HostPath.Path, "/proc")
			wantEqual(t, "ports", c.Ports, []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9100, Protocol: corev1.ProtocolTCP}})
			wantEqual(t, "probe", c.ReadinessProbe.HTTPGet.Path+":"+c.ReadinessProbe.HTTPGet.Port.String(), "/metrics:9100")
			wantEqual(t, "max unavailable", ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.String(), "1")
		}},
		{"storage daemon", storageDaemon, func(t *testing.T, ds *appsv1.DaemonSet) {
			pod := ds.Spec.Template.Spec
			c := pod.Containers[0]
			wantEqual(t, "namespace", ds.Namespace, "default")
			wantEqual(t, "privileged", *c.SecurityContext.Privileged, true)
			wantEqual(t, "mounts", c.VolumeMounts, []corev1.VolumeMount{
				{Name: "host-path-0", MountPath: "/dev"}, {Name: "host-path-1", MountPath: "/var/lib/kubelet"},
			})
			wantEqual(t, "limits", c.Resources.Limits.Cpu().String()+" "+c.Resources.Limits.Memory().String(), "2 1Gi")
			wantEqual(t, "requests keep their defaults", c.Resources.Requests.Memory().String(), "64Mi")
			wantEqual(t, "probe", c.ReadinessProbe.Exec.Command, []string{"/bin/healthcheck"})
		}},
		{"security agent", securityAgent, func(t *testing.T, ds *appsv1.DaemonSet) {
			pod := ds.Spec.Template.Spec
			c := pod.Containers[0]
			wantEqual(t, "capabilities", c.SecurityContext.Capabilities.Add, []corev1.Capability{"SYS_PTRACE", "SYS_ADMIN"})
			wantEqual(t, "host PID", pod.HostPID, true)
			wantEqual(t, "node selector", pod.NodeSelector, map[string]string{"kubernetes.io/os": "linux"})
			wantEqual(t, "service account", pod.ServiceAccountName, "security-reader")
			wantEqual(t, "no priority class", pod.PriorityClassName, "")
			wantEqual(t, "surge", ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge.String(), "25%")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			plan := planAgent(t, tt.config)
			ac, diags := plan.applyConfiguration(ctx)
			if diags.HasError() {
				t.Fatal(diags)
			}
			planned, err := daemonSetFromApplyConfiguration(ac)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, planned)

			_, ds := applyToFake(t, &plan)
			applied := plan
			if diags := readInto(ctx, &applied, ds); diags.HasError() {
				t.Fatal(diags)
			}
			assertSameAttributes(t, "after apply", &plan, &applied)

			imported := nodeAgentModel{Name: plan.Name, Namespace: plan.Namespace}
			imported.fillDefaults()
			if diags := readInto(ctx, &imported, ds); diags.HasError() {
				t.Fatal(diags)
			}
			assertSameAttributes(t, "after import", &plan, &imported)
			wantEqual(t, "id", imported.ID.ValueString(), ds.Namespace+"/"+ds.Name)
			wantEqual(t, "daemonset_name", imported.DaemonSetName.ValueString(), ds.Name)
		})
	}
}

// TestNodeAgentReadBack_forms covers what the API server stores in another form than configured.
func TestNodeAgentReadBack_forms(t *testing.T) {
	ctx := context.Background()
	plan := planAgent(t, map[string]any{
		"name": "agent", "image": "registry.k8s.io/pause:3.10",
		"command": []any{}, "env": map[string]string{}, "host_paths": []any{}, "capabilities": []any{},
		"inject_node_name": false, "tolerate_all_taints": false,
		"resources": map[string]any{"cpu_request": "0.1", "memory_limit": "1024Mi"},
	})
	_, ds := applyToFake(t, &plan)
	if env := ds.Spec.Template.Spec.Containers[0].Env; len(env) != 0 {
		t.Errorf("env %v, want none with inject_node_name = false", env)
	}
	if tolerations := ds.Spec.Template.Spec.Tolerations; len(tolerations) != 0 {
		t.Errorf("tolerations %v, want none with tolerate_all_taints = false", tolerations)
	}
	read := plan
	if diags := readInto(ctx, &read, ds); diags.HasError() {
		t.Fatal(diags)
	}
	// Empty collections read back absent; the configured empty value is kept.
	for name, v := range map[string]attr.Value{"command": read.Command, "env": read.Env, "host_paths": read.HostPaths, "capabilities": read.Capabilities} {
		if v.IsNull() {
			t.Errorf("%s read back null, want the configured empty value", name)
		}
	}
	// Quantities come back canonical, and compare semantically equal to what was written.
	var planned, got resourcesModel
	plan.Resources.As(ctx, &planned, objectAsOptions)
	read.Resources.As(ctx, &got, objectAsOptions)
	for _, q := range [][2]kubeschema.QuantityValue{{planned.CPURequest, got.CPURequest}, {planned.MemoryLimit, got.MemoryLimit}} {
		equal, _ := q[0].StringSemanticEquals(ctx, q[1])
		if !equal {
			t.Errorf("quantity %s read back as %s, not semantically equal", q[0], q[1])
		}
	}
	wantEqual(t, "canonical cpu_request", got.CPURequest.ValueString(), "100m")
}

// TestNodeAgentReadBack_drift: a managed field another manager changes reads back as its live value,
// so the next plan shows the change back, old -> new.
func TestNodeAgentReadBack_drift(t *testing.T) {
	ctx := context.Background()
	plan := planAgent(t, logCollector)
	cs, ds := applyToFake(t, &plan)
	ds.Spec.Template.Spec.Containers[0].Image = "fluent/fluent-bit:2.0"
	ds.Spec.Template.Spec.HostNetwork = true
	ds.Spec.Template.Spec.Containers[0].VolumeMounts[0].ReadOnly = false
	edited, err := cs.AppsV1().DaemonSets(ds.Namespace).Update(ctx, ds, metav1.UpdateOptions{FieldManager: "kubectl-edit"})
	if err != nil {
		t.Fatal(err)
	}
	read := plan
	if diags := readInto(ctx, &read, edited); diags.HasError() {
		t.Fatal(diags)
	}
	if !read.Image.Equal(types.StringValue("fluent/fluent-bit:2.0")) {
		t.Errorf("image read back %s, want the value kubectl-edit set, so that the plan shows old -> new", read.Image)
	}
	if !read.HostNetwork.Equal(types.BoolValue(true)) {
		t.Errorf("host_network read back %s, want true: the value kubectl-edit set", read.HostNetwork)
	}
	var hostPaths []hostPathModel
	read.HostPaths.ElementsAs(ctx, &hostPaths, false)
	if hostPaths[0].ReadOnly.ValueBool() {
		t.Errorf("host_paths[0].read_only read back true, want false: the value kubectl-edit set")
	}
	if !read.Labels.Equal(plan.Labels) {
		t.Errorf("labels %s, want %s unchanged", read.Labels, plan.Labels)
	}
}

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

// TestNodeAgentRoundTrip_everyAttribute sets every attribute of kubedaemon_node_agent, one at a
// time, to its zero value and to a non-zero one, plans it through the provider (defaults and
// validators apply), applies it to a fake clientset that tracks field managers and reads it back
// as after an apply and as after an import: both must give the planned attributes, up to a zero
// value no object records (see zeroUnseenByImport).
func TestNodeAgentRoundTrip_everyAttribute(t *testing.T) {
	ctx := context.Background()
	schemaAttributes := nodeAgentSchema(ctx).Attributes
	skip := func(at []string) bool {
		if len(at) == 0 {
			return false
		}
		a := schemaAttributes[at[0]]
		// A port's protocol is half its list key; the API server defaults it to TCP.
		return a == nil || (a.IsComputed() && !a.IsOptional()) || slices.Contains([]string{"name", "namespace", "image", "timeouts"}, at[0]) ||
			strings.Join(at, ".") == "ports.0.protocol"
	}
	cases := typeCases(nodeAgentSchema(ctx).Type(), 4, skip)
	refused, exact, unseen := 0, 0, 0
	for _, c := range cases {
		values := map[string]any{"name": "agent", "image": testImage}
		setPath(values, c.path, c.value)
		plan, problem := tryPlanAgent(t, values)
		if problem != "" {
			refused++ // a value the rules refuse at plan time ("x" as a host path type)
			continue
		}
		if built, diags := plan.applyConfiguration(ctx); !diags.HasError() {
			if ds, err := daemonSetFromApplyConfiguration(built); err == nil && len(daemonset.Validate(ds)) > 0 {
				// The plan runs the engine's rules on this very DaemonSet: it cannot pass them.
				t.Errorf("%s: planned, though the engine refuses the DaemonSet: %v", c, daemonset.Validate(ds))
				continue
			}
		}
		_, ds := applyToFake(t, &plan)
		applied := plan
		if diags := readInto(ctx, &applied, ds); diags.HasError() {
			t.Errorf("%s: read after apply: %v", c, diags)
			continue
		}
		assertSameAttributes(t, c.String()+" after apply", &plan, &applied)
		imported := nodeAgentModel{Name: plan.Name, Namespace: plan.Namespace}
		imported.fillDefaults()
		if diags := readInto(ctx, &imported, ds); diags.HasError() {
			t.Errorf("%s: read after import: %v", c, diags)
			continue
		}
		want, got := userAttributes(&plan), userAttributes(&imported)
		differs := []string{}
		for name, w := range want {
			if !w.Equal(got[name]) {
				differs = append(differs, name)
			}
		}
		switch {
		case len(differs) == 0:
			exact++
		case c.zero && slices.Equal(differs, []string{c.path[0]}) && isEmptyCollection(c.value):
			unseen++ // an empty list or map is not sent, so nothing records it
		default:
			t.Errorf("%s: after import %v differ: got %v, want %v", c, differs, got, want)
		}
	}
	t.Logf("%d cases: %d refused at plan time; of the rest all read back as planned after apply, %d exactly after import, %d empty collections not recorded",
		len(cases), refused, exact, unseen)
}
