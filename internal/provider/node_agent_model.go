package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

// nodeAgentModel is the Terraform state of a kubedaemon_node_agent.
type nodeAgentModel struct {
	ID                   types.String   `tfsdk:"id"`
	Name                 types.String   `tfsdk:"name"`
	Namespace            types.String   `tfsdk:"namespace"`
	Labels               types.Map      `tfsdk:"labels"`
	Annotations          types.Map      `tfsdk:"annotations"`
	PodAnnotations       types.Map      `tfsdk:"pod_annotations"`
	Image                types.String   `tfsdk:"image"`
	ImagePullPolicy      types.String   `tfsdk:"image_pull_policy"`
	Command              types.List     `tfsdk:"command"`
	Args                 types.List     `tfsdk:"args"`
	Env                  types.Map      `tfsdk:"env"`
	InjectNodeName       types.Bool     `tfsdk:"inject_node_name"`
	HostPaths            types.List     `tfsdk:"host_paths"`
	HostNetwork          types.Bool     `tfsdk:"host_network"`
	HostPID              types.Bool     `tfsdk:"host_pid"`
	Privileged           types.Bool     `tfsdk:"privileged"`
	Capabilities         types.List     `tfsdk:"capabilities"`
	TolerateAllTaints    types.Bool     `tfsdk:"tolerate_all_taints"`
	NodeSelector         types.Map      `tfsdk:"node_selector"`
	PriorityClassName    types.String   `tfsdk:"priority_class_name"`
	Resources            types.Object   `tfsdk:"resources"`
	Ports                types.List     `tfsdk:"ports"`
	ReadinessProbe       types.Object   `tfsdk:"readiness_probe"`
	CreateServiceAccount types.Bool     `tfsdk:"create_service_account"`
	ServiceAccountName   types.String   `tfsdk:"service_account_name"`
	MaxUnavailable       types.String   `tfsdk:"max_unavailable"`
	MaxSurge             types.String   `tfsdk:"max_surge"`
	DaemonSetName        types.String   `tfsdk:"daemonset_name"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
	rolloutState
}

type hostPathModel struct {
	Path      types.String `tfsdk:"path"`
	MountPath types.String `tfsdk:"mount_path"`
	ReadOnly  types.Bool   `tfsdk:"read_only"`
	Type      types.String `tfsdk:"type"`
}

type agentPortModel struct {
	Name          types.String `tfsdk:"name"`
	ContainerPort types.Int64  `tfsdk:"container_port"`
	HostPort      types.Int64  `tfsdk:"host_port"`
	Protocol      types.String `tfsdk:"protocol"`
}

type resourcesModel struct {
	CPURequest    kubeschema.QuantityValue `tfsdk:"cpu_request"`
	CPULimit      kubeschema.QuantityValue `tfsdk:"cpu_limit"`
	MemoryRequest kubeschema.QuantityValue `tfsdk:"memory_request"`
	MemoryLimit   kubeschema.QuantityValue `tfsdk:"memory_limit"`
}

type probeModel struct {
	HTTPGet             *httpGetModel   `tfsdk:"http_get"`
	Exec                *probeExecModel `tfsdk:"exec"`
	InitialDelaySeconds types.Int64     `tfsdk:"initial_delay_seconds"`
	PeriodSeconds       types.Int64     `tfsdk:"period_seconds"`
}

type httpGetModel struct {
	Path types.String `tfsdk:"path"`
	Port types.Int64  `tfsdk:"port"`
}

type probeExecModel struct {
	Command []string `tfsdk:"command"`
}

// builtNodeAgentSchema is the resource's schema, built once, for the types of the values read back:
// taken from the schema itself so that the two cannot disagree.
var builtNodeAgentSchema = sync.OnceValue(func() schema.Schema {
	return nodeAgentSchema(context.Background())
})

// valueFrom converts a Go value read back into the attribute at p; a nil slice or pointer is null.
func valueFrom[T any](ctx context.Context, p path.Path, value any, target *T, diags *diag.Diagnostics) {
	typ, d := builtNodeAgentSchema().TypeAtPath(ctx, p)
	diags.Append(d...)
	if !d.HasError() {
		diags.Append(tfsdk.ValueFrom(ctx, value, typ, target)...)
	}
}

// selectorLabels select the agent's pods; they never change for a given agent.
func selectorLabels(name string) map[string]string {
	return map[string]string{agentNameLabel: name, agentManagedByLabel: agentManagedBy}
}

// hostPathVolume names the volume of the i-th host path.
func hostPathVolume(i int) string {
	return fmt.Sprintf("host-path-%d", i)
}

func (m *nodeAgentModel) resourceType() string { return "kubedaemon_node_agent" }

// imported reports whether the state holds only the identity an import gave it.
func (m *nodeAgentModel) imported() bool { return m.Image.IsNull() }

func (m *nodeAgentModel) namespacedName() (namespace, name string) {
	return m.Namespace.ValueString(), m.Name.ValueString()
}

// applyConfiguration turns the plan into the DaemonSet sent by server-side apply. Booleans are sent
// even when false: the field manager then owns them, so that another manager's change to one is a
// conflict the next apply reports rather than a value it leaves alone.
func (m *nodeAgentModel) applyConfiguration(ctx context.Context) (*appsv1ac.DaemonSetApplyConfiguration, diag.Diagnostics) {
	var diags diag.Diagnostics
	namespace, name := m.namespacedName()
	labels, d := m.labels(ctx)
	diags.Append(d...)
	annotations, d := stringMap(ctx, m.Annotations)
	diags.Append(d...)
	podAnnotations, d := stringMap(ctx, m.PodAnnotations)
	diags.Append(d...)
	container, d := m.container(ctx)
	diags.Append(d...)
	volumes, d := m.hostPathVolumes(ctx, container)
	diags.Append(d...)
	nodeSelector, d := stringMap(ctx, m.NodeSelector)
	diags.Append(d...)
	if diags.HasError() {
		return nil, diags
	}

	pod := corev1ac.PodSpec().
		WithContainers(container).
		WithVolumes(volumes...).
		WithServiceAccountName(m.ServiceAccountName.ValueString()).
		WithHostNetwork(m.HostNetwork.ValueBool()).
		WithHostPID(m.HostPID.ValueBool())
	if m.HostNetwork.ValueBool() {
		pod.WithDNSPolicy(corev1.DNSClusterFirstWithHostNet)
	}
	if m.TolerateAllTaints.ValueBool() {
		pod.WithTolerations(corev1ac.Toleration().WithOperator(corev1.TolerationOpExists))
	}
	if nodeSelector != nil {
		pod.WithNodeSelector(nodeSelector)
	}
	if priority := m.PriorityClassName.ValueString(); priority != "" {
		pod.WithPriorityClassName(priority)
	}
	template := corev1ac.PodTemplateSpec().WithLabels(labels).WithSpec(pod)
	if podAnnotations != nil {
		template.WithAnnotations(podAnnotations)
	}

	strategy := appsv1ac.DaemonSetUpdateStrategy().WithType(m.updateStrategy())
	if m.updateStrategy() == appsv1.RollingUpdateDaemonSetStrategyType {
		rollingUpdate := appsv1ac.RollingUpdateDaemonSet().WithMaxUnavailable(intstr.Parse(m.MaxUnavailable.ValueString()))
		if !m.MaxSurge.IsNull() {
			rollingUpdate.WithMaxSurge(intstr.Parse(m.MaxSurge.ValueString()))
		}
		strategy.WithRollingUpdate(rollingUpdate)
	}
	ds := appsv1ac.DaemonSet(name, namespace).
		WithLabels(labels).
		WithSpec(appsv1ac.DaemonSetSpec().
			WithSelector(metav1ac.LabelSelector().WithMatchLabels(selectorLabels(name))).
			WithTemplate(template).
			WithUpdateStrategy(strategy))
	if annotations != nil {
		ds.WithAnnotations(annotations)
	}
	return ds, diags
}

// updateStrategy is RollingUpdate, or OnDelete under a staged rollout, which the provider paces
// (see rollout.waves).
func (m *nodeAgentModel) updateStrategy() appsv1.DaemonSetUpdateStrategyType {
	if staged(m.Rollout) {
		return appsv1.OnDeleteDaemonSetStrategyType
	}
	return appsv1.RollingUpdateDaemonSetStrategyType
}

// labels are the user's labels with the selector labels, for the DaemonSet, the pods and the
// ServiceAccount.
func (m *nodeAgentModel) labels(ctx context.Context) (map[string]string, diag.Diagnostics) {
	labels, diags := stringMap(ctx, m.Labels)
	all := map[string]string{}
	maps.Copy(all, labels)
	maps.Copy(all, selectorLabels(m.Name.ValueString()))
	return all, diags
}

func (m *nodeAgentModel) container(ctx context.Context) (*corev1ac.ContainerApplyConfiguration, diag.Diagnostics) {
	var diags diag.Diagnostics
	c := corev1ac.Container().WithName(m.Name.ValueString()).WithImage(m.Image.ValueString())
	if !m.ImagePullPolicy.IsNull() {
		c.WithImagePullPolicy(corev1.PullPolicy(m.ImagePullPolicy.ValueString()))
	}
	command, d := stringList(ctx, m.Command)
	diags.Append(d...)
	c.WithCommand(command...)
	args, d := stringList(ctx, m.Args)
	diags.Append(d...)
	c.WithArgs(args...)

	// NODE_NAME comes first, so that the other values can refer to it as $(NODE_NAME).
	if m.InjectNodeName.ValueBool() {
		c.WithEnv(corev1ac.EnvVar().WithName(nodeNameEnv).
			WithValueFrom(corev1ac.EnvVarSource().WithFieldRef(corev1ac.ObjectFieldSelector().WithFieldPath("spec.nodeName"))))
	}
	env, d := stringMap(ctx, m.Env)
	diags.Append(d...)
	for _, name := range slices.Sorted(maps.Keys(env)) {
		c.WithEnv(corev1ac.EnvVar().WithName(name).WithValue(env[name]))
	}

	securityContext := corev1ac.SecurityContext().WithPrivileged(m.Privileged.ValueBool())
	capabilities, d := stringList(ctx, m.Capabilities)
	diags.Append(d...)
	if capabilities != nil {
		added := make([]corev1.Capability, len(capabilities))
		for i, name := range capabilities {
			added[i] = corev1.Capability(name)
		}
		securityContext.WithCapabilities(corev1ac.Capabilities().WithAdd(added...))
	}
	c.WithSecurityContext(securityContext)

	requirements, d := m.resourceRequirements(ctx)
	diags.Append(d...)
	c.WithResources(requirements)

	var ports []agentPortModel
	diags.Append(listElements(ctx, m.Ports, &ports)...)
	for _, p := range ports {
		port := corev1ac.ContainerPort().
			WithContainerPort(int32(p.ContainerPort.ValueInt64())).
			WithProtocol(corev1.Protocol(p.Protocol.ValueString()))
		if !p.Name.IsNull() {
			port.WithName(p.Name.ValueString())
		}
		if !p.HostPort.IsNull() {
			port.WithHostPort(int32(p.HostPort.ValueInt64()))
		}
		c.WithPorts(port)
	}

	probe, d := m.readinessProbe(ctx)
	diags.Append(d...)
	if probe != nil {
		c.WithReadinessProbe(probe)
	}
	return c, diags
}

func (m *nodeAgentModel) resourceRequirements(ctx context.Context) (*corev1ac.ResourceRequirementsApplyConfiguration, diag.Diagnostics) {
	var r resourcesModel
	diags := m.Resources.As(ctx, &r, objectAsOptions)
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	for _, q := range []struct {
		list  corev1.ResourceList
		name  corev1.ResourceName
		value kubeschema.QuantityValue
	}{
		{requests, corev1.ResourceCPU, r.CPURequest},
		{limits, corev1.ResourceCPU, r.CPULimit},
		{requests, corev1.ResourceMemory, r.MemoryRequest},
		{limits, corev1.ResourceMemory, r.MemoryLimit},
	} {
		if q.value.IsNull() || q.value.IsUnknown() {
			continue
		}
		parsed, err := resource.ParseQuantity(q.value.ValueString())
		if err != nil {
			// Validation has reported it with its attribute path already.
			diags.AddError("Invalid quantity", err.Error())
			continue
		}
		q.list[q.name] = parsed
	}
	requirements := corev1ac.ResourceRequirements()
	if len(requests) > 0 {
		requirements.WithRequests(requests)
	}
	if len(limits) > 0 {
		requirements.WithLimits(limits)
	}
	return requirements, diags
}

func (m *nodeAgentModel) readinessProbe(ctx context.Context) (*corev1ac.ProbeApplyConfiguration, diag.Diagnostics) {
	if m.ReadinessProbe.IsNull() || m.ReadinessProbe.IsUnknown() {
		return nil, nil
	}
	var p probeModel
	diags := m.ReadinessProbe.As(ctx, &p, objectAsOptions)
	probe := corev1ac.Probe()
	if p.HTTPGet != nil {
		probe.WithHTTPGet(corev1ac.HTTPGetAction().
			WithPath(p.HTTPGet.Path.ValueString()).
			WithPort(intstr.FromInt32(int32(p.HTTPGet.Port.ValueInt64()))))
	}
	if p.Exec != nil {
		probe.WithExec(corev1ac.ExecAction().WithCommand(p.Exec.Command...))
	}
	if !p.InitialDelaySeconds.IsNull() {
		probe.WithInitialDelaySeconds(int32(p.InitialDelaySeconds.ValueInt64()))
	}
	if !p.PeriodSeconds.IsNull() {
		probe.WithPeriodSeconds(int32(p.PeriodSeconds.ValueInt64()))
	}
	return probe, diags
}

// hostPathVolumes returns a hostPath volume for each host path and mounts it in the container.
func (m *nodeAgentModel) hostPathVolumes(ctx context.Context, c *corev1ac.ContainerApplyConfiguration) ([]*corev1ac.VolumeApplyConfiguration, diag.Diagnostics) {
	var hostPaths []hostPathModel
	diags := listElements(ctx, m.HostPaths, &hostPaths)
	volumes := make([]*corev1ac.VolumeApplyConfiguration, len(hostPaths))
	for i, hp := range hostPaths {
		source := corev1ac.HostPathVolumeSource().WithPath(hp.Path.ValueString())
		if !hp.Type.IsNull() {
			source.WithType(corev1.HostPathType(hp.Type.ValueString()))
		}
		volumes[i] = corev1ac.Volume().WithName(hostPathVolume(i)).WithHostPath(source)
		c.WithVolumeMounts(corev1ac.VolumeMount().
			WithName(hostPathVolume(i)).
			WithMountPath(hp.MountPath.ValueString()).
			WithReadOnly(hp.ReadOnly.ValueBool()))
	}
	return volumes, diags
}
