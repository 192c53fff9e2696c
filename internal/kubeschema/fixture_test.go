package kubeschema

import (
	"math/big"
	"reflect"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Terraform configuration in Go literals: attribute names as a user writes them in HCL.
type (
	obj  = map[string]any
	list = []any
)

// daemonSetSpec is the Object of a DaemonSetSpec as the provider builds it.
var daemonSetSpec = sync.OnceValues(func() (*Object, error) {
	return NewObject(reflect.TypeFor[appsv1.DaemonSetSpec](), PodTemplateOptions())
})

func mustDaemonSetSpec(t testing.TB) *Object {
	t.Helper()
	o, err := daemonSetSpec()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// nodeAgentConfig is a node agent DaemonSet spec as a user configures it: every part of the
// schema a node agent leans on, with quantities in the canonical form Kubernetes writes back.
func nodeAgentConfig() obj {
	return obj{
		"selector": obj{"match_labels": obj{"app": "node-agent"}},
		"template": obj{
			"metadata": obj{
				"labels":      obj{"app": "node-agent", "tier": "monitoring"},
				"annotations": obj{"prometheus.io/scrape": "true"},
			},
			"spec": obj{
				"host_network":                     true,
				"host_pid":                         true,
				"dns_policy":                       "ClusterFirstWithHostNet",
				"priority_class_name":              "system-node-critical",
				"service_account_name":             "node-agent",
				"termination_grace_period_seconds": 30,
				"node_selector":                    obj{"kubernetes.io/os": "linux"},
				"security_context": obj{
					"fs_group":         2000,
					"se_linux_options": obj{"type": "spc_t"},
				},
				"tolerations": list{
					obj{"operator": "Exists", "effect": "NoSchedule"},
					obj{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoExecute", "toleration_seconds": 300},
				},
				"affinity": obj{"node_affinity": obj{"required_during_scheduling_ignored_during_execution": obj{
					"node_selector_terms": list{obj{"match_expressions": list{
						obj{"key": "kubernetes.io/arch", "operator": "In", "values": list{"amd64", "arm64"}},
					}}},
				}}},
				"containers": list{obj{
					"name":              "agent",
					"image":             "registry.example/node-agent:1.4.2",
					"image_pull_policy": "IfNotPresent",
					"args":              list{"--path.rootfs=/host"},
					"env": list{
						obj{"name": "NODE_NAME", "value_from": obj{"field_ref": obj{"field_path": "spec.nodeName"}}},
						obj{"name": "LOG_LEVEL", "value": "info"},
					},
					"ports": list{obj{"name": "metrics", "container_port": 9100, "host_port": 9100, "protocol": "TCP"}},
					"resources": obj{
						"requests": obj{"cpu": "100m", "memory": "128Mi"},
						"limits":   obj{"cpu": "500m", "memory": "256Mi"},
					},
					"liveness_probe": obj{
						"http_get":              obj{"path": "/healthz", "port": "metrics", "scheme": "HTTP"},
						"initial_delay_seconds": 10,
						"period_seconds":        20,
					},
					"readiness_probe": obj{"http_get": obj{"path": "/ready", "port": "9100"}},
					"startup_probe": obj{
						"exec":              obj{"command": list{"cat", "/tmp/started"}},
						"failure_threshold": 30,
					},
					"security_context": obj{
						"privileged":                true,
						"run_as_user":               0,
						"read_only_root_filesystem": true,
						"capabilities":              obj{"add": list{"SYS_ADMIN", "NET_ADMIN"}, "drop": list{"ALL"}},
					},
					"volume_mounts": list{
						obj{"name": "host-root", "mount_path": "/host", "read_only": true, "mount_propagation": "HostToContainer"},
						obj{"name": "run", "mount_path": "/run"},
						obj{"name": "cache", "mount_path": "/cache"},
					},
				}},
				"volumes": list{
					obj{"name": "host-root", "host_path": obj{"path": "/", "type": "Directory"}},
					obj{"name": "run", "host_path": obj{"path": "/run", "type": "DirectoryOrCreate"}},
					obj{"name": "cache", "empty_dir": obj{}},
				},
			},
		},
		"update_strategy": obj{
			"type":           "RollingUpdate",
			"rolling_update": obj{"max_unavailable": "10%", "max_surge": "1"},
		},
		"min_ready_seconds":      10,
		"revision_history_limit": 5,
	}
}

// nodeAgentSpec is nodeAgentConfig as the Kubernetes API type.
func nodeAgentSpec() appsv1.DaemonSetSpec {
	hostPathDirectory, hostPathDirectoryOrCreate := corev1.HostPathDirectory, corev1.HostPathDirectoryOrCreate
	propagation := corev1.MountPropagationHostToContainer
	maxUnavailable, maxSurge := intstr.FromString("10%"), intstr.FromInt32(1)
	return appsv1.DaemonSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "node-agent"}},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{
				Labels:      map[string]string{"app": "node-agent", "tier": "monitoring"},
				Annotations: map[string]string{"prometheus.io/scrape": "true"},
			},
			Spec: corev1.PodSpec{
				HostNetwork:                   true,
				HostPID:                       true,
				DNSPolicy:                     corev1.DNSClusterFirstWithHostNet,
				PriorityClassName:             "system-node-critical",
				ServiceAccountName:            "node-agent",
				TerminationGracePeriodSeconds: ptr.To[int64](30),
				NodeSelector:                  map[string]string{"kubernetes.io/os": "linux"},
				SecurityContext: &corev1.PodSecurityContext{
					FSGroup:        ptr.To[int64](2000),
					SELinuxOptions: &corev1.SELinuxOptions{Type: "spc_t"},
				},
				Tolerations: []corev1.Toleration{
					{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
					{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
				},
				Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
						MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "kubernetes.io/arch", Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64", "arm64"}}},
					}}},
				}},
				Containers: []corev1.Container{{
					Name:            "agent",
					Image:           "registry.example/node-agent:1.4.2",
					ImagePullPolicy: corev1.PullIfNotPresent,
					Args:            []string{"--path.rootfs=/host"},
					Env: []corev1.EnvVar{
						{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
						{Name: "LOG_LEVEL", Value: "info"},
					},
					Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9100, HostPort: 9100, Protocol: corev1.ProtocolTCP}},
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
					},
					LivenessProbe: &corev1.Probe{
						ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("metrics"), Scheme: corev1.URISchemeHTTP}},
						InitialDelaySeconds: 10,
						PeriodSeconds:       20,
					},
					ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(9100)}}},
					StartupProbe: &corev1.Probe{
						ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/started"}}},
						FailureThreshold: 30,
					},
					SecurityContext: &corev1.SecurityContext{
						Privileged:             ptr.To(true),
						RunAsUser:              ptr.To[int64](0),
						ReadOnlyRootFilesystem: ptr.To(true),
						Capabilities:           &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN", "NET_ADMIN"}, Drop: []corev1.Capability{"ALL"}},
					},
					VolumeMounts: []corev1.VolumeMount{
						{Name: "host-root", MountPath: "/host", ReadOnly: true, MountPropagation: &propagation},
						{Name: "run", MountPath: "/run"},
						{Name: "cache", MountPath: "/cache"},
					},
				}},
				Volumes: []corev1.Volume{
					{Name: "host-root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/", Type: &hostPathDirectory}}},
					{Name: "run", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/run", Type: &hostPathDirectoryOrCreate}}},
					{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				},
			},
		},
		UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
			Type:          appsv1.RollingUpdateDaemonSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &maxUnavailable, MaxSurge: &maxSurge},
		},
		MinReadySeconds:      10,
		RevisionHistoryLimit: ptr.To[int32](5),
	}
}

// planValue turns a configuration into the value the framework hands a resource, the way the
// framework does it: a tftypes value read through the schema's own types.
func planValue(t testing.TB, o *Object, config obj) types.Object {
	t.Helper()
	ctx := t.Context()
	v, err := o.Type().ValueFromTerraform(ctx, terraformValue(t, o.Type().TerraformType(ctx), config))
	if err != nil {
		t.Fatal(err)
	}
	return as[types.Object](t, v)
}

// terraformValue builds a tftypes value from Go literals; attributes left out are null.
func terraformValue(t testing.TB, typ tftypes.Type, v any) tftypes.Value {
	t.Helper()
	if v == nil {
		return tftypes.NewValue(typ, nil)
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		m := as[obj](t, v)
		for name := range m {
			if _, ok := typ.AttributeTypes[name]; !ok {
				t.Fatalf("no attribute %q in %s", name, typ)
			}
		}
		attrs := make(map[string]tftypes.Value, len(typ.AttributeTypes))
		for name, at := range typ.AttributeTypes {
			attrs[name] = terraformValue(t, at, m[name])
		}
		return tftypes.NewValue(typ, attrs)
	case tftypes.List:
		var elems []tftypes.Value
		for _, e := range as[list](t, v) {
			elems = append(elems, terraformValue(t, typ.ElementType, e))
		}
		return tftypes.NewValue(typ, elems)
	case tftypes.Map:
		elems := map[string]tftypes.Value{}
		for k, e := range as[obj](t, v) {
			elems[k] = terraformValue(t, typ.ElementType, e)
		}
		return tftypes.NewValue(typ, elems)
	}
	if typ.Is(tftypes.Number) {
		return tftypes.NewValue(typ, big.NewFloat(float64(as[int](t, v))))
	}
	return tftypes.NewValue(typ, v)
}

// as asserts v's type, failing the test instead of panicking.
func as[T any](t testing.TB, v any) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%v is a %T, not a %T", v, v, x)
	}
	return x
}
