package daemonset

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func validDaemonSet() *appsv1.DaemonSet {
	labels := map[string]string{"app": "agent"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "default"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}
}

func surge(ds *appsv1.DaemonSet) {
	zero, one := intstr.FromInt32(0), intstr.FromInt32(1)
	ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &zero, MaxSurge: &one}
}

// TestValidate checks the rules that compare fields with one another, by the path each finding
// names and the fields it involves, which a resource waits for when they are not known yet.
func TestValidate(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*appsv1.DaemonSet)
		at       string
		summary  string
		involves []string
	}{
		{name: "valid", change: func(*appsv1.DaemonSet) {}},
		{name: "surge alone is valid", change: surge},
		{name: "surge beside a host port", change: func(ds *appsv1.DaemonSet) {
			surge(ds)
			ds.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
		}, at: "spec.updateStrategy.rollingUpdate.maxSurge", summary: "Surge with host ports",
			involves: []string{"spec.template.spec.containers[0].ports[0]", "spec.template.spec.hostNetwork"}},
		{name: "surge beside a port of an init container on the host network", change: func(ds *appsv1.DaemonSet) {
			surge(ds)
			ds.Spec.Template.Spec.HostNetwork = true
			ds.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "busybox", Ports: []corev1.ContainerPort{{ContainerPort: 9100}}}}
		}, at: "spec.updateStrategy.rollingUpdate.maxSurge", summary: "Surge with host ports"},
		{name: "host port bound by an init container and a container", change: func(ds *appsv1.DaemonSet) {
			ds.Spec.Template.Spec.InitContainers = []corev1.Container{{Name: "setup", Image: "busybox", Ports: []corev1.ContainerPort{{ContainerPort: 1, HostPort: 8080}}}}
			ds.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 2, HostPort: 8080}}
		}, at: "spec.template.spec.containers[0].ports[0].hostPort", summary: "Duplicate host port",
			involves: []string{"spec.template.spec.initContainers[0].ports[0].hostPort"}},
		{name: "the same host port over TCP and UDP", change: func(ds *appsv1.DaemonSet) {
			ds.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 53, HostPort: 53}, {ContainerPort: 53, HostPort: 53, Protocol: corev1.ProtocolUDP}}
		}},
		{name: "request above its limit", change: func(ds *appsv1.DaemonSet) {
			ds.Spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: mustQuantity("2")}, Limits: corev1.ResourceList{corev1.ResourceCPU: mustQuantity("500m")}}
		}, at: `spec.template.spec.containers[0].resources.requests["cpu"]`, summary: "Resource request exceeds its limit",
			involves: []string{`spec.template.spec.containers[0].resources.limits["cpu"]`}},
		{name: "a negative budget", change: func(ds *appsv1.DaemonSet) {
			minus := intstr.FromInt32(-1)
			ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &minus}
		}, at: "spec.updateStrategy.rollingUpdate.maxUnavailable", summary: "Invalid number or percentage"},
		{name: "an env name Kubernetes accepts since relaxed validation", change: func(ds *appsv1.DaemonSet) {
			ds.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "1FOO"}, {Name: "with space"}}
		}},
		{name: "a capability to drop", change: func(ds *appsv1.DaemonSet) {
			ds.Spec.Template.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{
				Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}, Add: []corev1.Capability{"NET_BIND_SERVICE", "sys_admin"}}}
		}, at: "spec.template.spec.containers[0].securityContext.capabilities.add[1]", summary: "Invalid Linux capability"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := validDaemonSet()
			tt.change(ds)
			findings := Validate(ds)
			if tt.at == "" {
				if len(findings) > 0 {
					t.Errorf("want no finding, got %v", findings)
				}
				return
			}
			if len(findings) != 1 {
				t.Fatalf("want one finding, got %v", findings)
			}
			f := findings[0]
			var involves []string
			for _, p := range f.Involves {
				involves = append(involves, p.String())
			}
			if f.Path.String() != tt.at || f.Summary != tt.summary || tt.involves != nil && !slices.Equal(involves, tt.involves) {
				t.Errorf("got %q at %s involving %v, want %q at %s involving %v", f.Summary, f.Path, involves, tt.summary, tt.at, tt.involves)
			}
		})
	}
}

// TestPath checks that paths built from one parent do not share steps, which an append to a
// shared backing array would overwrite.
func TestPath(t *testing.T) {
	parent := NewPath("spec").Child("template").Child("spec")
	a, b := parent.Child("containers").Index(0), parent.Child("volumes").Key("x")
	if a.String() != "spec.template.spec.containers[0]" || b.String() != `spec.template.spec.volumes["x"]` {
		t.Errorf("got %s and %s", a, b)
	}
	if rest, ok := a.CutPrefix(parent); !ok || rest.String() != "containers[0]" {
		t.Errorf("CutPrefix: %s, %v", rest, ok)
	}
	if _, ok := b.CutPrefix(a); ok {
		t.Error("a path that does not begin with another must not cut")
	}
	if problem := CapabilityRule.Problem("CAP_SYS_ADMIN"); !strings.Contains(problem, "without the CAP_ prefix") {
		t.Errorf("CAP_SYS_ADMIN: %q", problem)
	}
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }
