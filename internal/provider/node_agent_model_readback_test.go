package provider

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
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

// TestNodeAgentRoundTrip_everyAttribute sets every attribute of kubedaemon_node_agent, one at a
// time, to its zero value and to a non-zero one, plans it through the provider (defaults and
// validators apply), applies it to a fake clientset that tracks field managers and reads it back
// as after an apply and as after an import: both must give the planned attributes. The four
// empty collections the DaemonSet cannot show (unseenWhenEmpty) come back from the record.
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
	refused, exact := 0, 0
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
		default:
			t.Errorf("%s: after import %v differ: got %v, want %v", c, differs, got, want)
		}
	}
	t.Logf("%d cases: %d refused at plan time; of the rest all read back as planned after apply, %d exactly after import",
		len(cases), refused, exact)
}
