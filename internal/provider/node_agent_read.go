package provider

import (
	"context"
	"fmt"
	"maps"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/utils/ptr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

// Reading a node agent back: the live DaemonSet, limited to the paths the agent manages, into the
// model, and the checks that tell an agent-shaped DaemonSet from others.

// setFromObject fills the state from the live DaemonSet: owned holds the live values of the paths
// the agent manages, so that server defaults never show as diffs while a change by another tool
// shows as drift. create_service_account is not part of the DaemonSet: Read sets it from the
// ServiceAccount.
func (m *nodeAgentModel) setFromObject(ctx context.Context, ds *appsv1.DaemonSet, owned managedView) diag.Diagnostics {
	var diags diag.Diagnostics
	if m.imported() {
		if problem := notAgentShaped(ds); problem != "" {
			diags.AddError("DaemonSet "+ds.Namespace+"/"+ds.Name+" is not a node agent",
				"kubedaemon_node_agent reads only DaemonSets of the shape it makes: "+problem+
					". Import it as a kubedaemon_daemonset, which manages any DaemonSet with every field.")
			return diags
		}
		m.recordedEmpties(ctx, owned.recorded, &diags)
	}
	spec := owned.Spec
	if spec == nil {
		spec = appsv1ac.DaemonSetSpec()
	}
	template := spec.Template
	if template == nil {
		template = corev1ac.PodTemplateSpec()
	}
	pod := template.Spec
	if pod == nil {
		pod = corev1ac.PodSpec()
	}
	c := corev1ac.Container()
	for i := range pod.Containers {
		if pod.Containers[i].Name != nil && *pod.Containers[i].Name == ds.Name {
			c = &pod.Containers[i]
		}
	}
	// The booleans the agent always applies are read from the live object: a false one is absent
	// from the stored object and so from the owned fields, where it cannot be told apart from a
	// value another manager took over. Their server default is false, so the live value never
	// shows a default as a diff.
	livePod := ds.Spec.Template.Spec
	var live corev1.Container
	for _, lc := range livePod.Containers {
		if lc.Name == ds.Name {
			live = lc
		}
	}

	m.ID = types.StringValue(ds.Namespace + "/" + ds.Name)
	m.Name = types.StringValue(ds.Name)
	m.Namespace = types.StringValue(ds.Namespace)
	m.DaemonSetName = types.StringValue(ds.Name)
	userLabels := maps.Clone(owned.Labels)
	for key := range selectorLabels(ds.Name) {
		delete(userLabels, key)
	}
	var d diag.Diagnostics
	m.Labels, d = ownedMap(ctx, nilIfEmpty(userLabels), m.Labels)
	diags.Append(d...)
	m.Annotations, d = ownedMap(ctx, owned.Annotations, m.Annotations)
	diags.Append(d...)
	m.PodAnnotations, d = ownedMap(ctx, template.Annotations, m.PodAnnotations)
	diags.Append(d...)
	m.NodeSelector, d = ownedMap(ctx, pod.NodeSelector, m.NodeSelector)
	diags.Append(d...)

	m.Image = types.StringPointerValue(c.Image)
	m.ImagePullPolicy = types.StringPointerValue((*string)(c.ImagePullPolicy))
	m.Command = ownedList(ctx, c.Command, m.Command, &diags)
	m.Args = ownedList(ctx, c.Args, m.Args, &diags)
	env, injected := readEnv(c.Env)
	m.Env, d = ownedMap(ctx, nilIfEmpty(env), m.Env)
	diags.Append(d...)
	m.InjectNodeName = types.BoolValue(injected)

	var capabilities []string
	if sc := c.SecurityContext; sc != nil && sc.Capabilities != nil && sc.Capabilities.Add != nil {
		capabilities = make([]string, 0, len(sc.Capabilities.Add))
		for _, capability := range sc.Capabilities.Add {
			capabilities = append(capabilities, string(capability))
		}
	}
	m.Capabilities = ownedList(ctx, capabilities, m.Capabilities, &diags)
	m.Privileged = types.BoolValue(live.SecurityContext != nil && deref(live.SecurityContext.Privileged))
	m.HostNetwork = types.BoolValue(livePod.HostNetwork)
	m.HostPID = types.BoolValue(livePod.HostPID)
	m.TolerateAllTaints = types.BoolValue(toleratesEveryTaint(pod.Tolerations))
	m.PriorityClassName = types.StringValue(deref(pod.PriorityClassName))
	m.ServiceAccountName = types.StringPointerValue(pod.ServiceAccountName)

	m.HostPaths = reconciled(ctx, m.HostPaths, readHostPaths(ctx, pod.Volumes, c.VolumeMounts, live.VolumeMounts, &diags))
	m.Ports = reconciled(ctx, m.Ports, readPorts(ctx, c.Ports, &diags))
	valueFrom(ctx, path.Root("resources"), readResources(c.Resources), &m.Resources, &diags)
	valueFrom(ctx, path.Root("readiness_probe"), readProbe(c.ReadinessProbe), &m.ReadinessProbe, &diags)

	if spec.UpdateStrategy != nil && spec.UpdateStrategy.Type != nil && *spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		// A staged rollout (rollout.waves): the rolling update budgets have no say, and keep their
		// planned values, the default for max_unavailable.
		if m.MaxUnavailable.IsNull() || m.MaxUnavailable.IsUnknown() {
			m.MaxUnavailable = types.StringValue(defaultMaxUnavailable)
		}
		m.MaxSurge = types.StringNull()
	} else {
		m.MaxUnavailable, m.MaxSurge = types.StringNull(), types.StringNull()
	}
	if spec.UpdateStrategy != nil && spec.UpdateStrategy.RollingUpdate != nil {
		m.MaxUnavailable = intOrStringValue(spec.UpdateStrategy.RollingUpdate.MaxUnavailable)
		m.MaxSurge = intOrStringValue(spec.UpdateStrategy.RollingUpdate.MaxSurge)
	}
	diags.Append(m.setObjectState(ds)...)
	return diags
}

// notAgentShaped says why ds is not a DaemonSet that kubedaemon_node_agent could have made, or "".
func notAgentShaped(ds *appsv1.DaemonSet) string {
	want := selectorLabels(ds.Name)
	if sel := ds.Spec.Selector; sel == nil || len(sel.MatchExpressions) > 0 || !maps.Equal(sel.MatchLabels, want) {
		return fmt.Sprintf("its selector is not the agent's (match_labels %v)", want)
	}
	containers := ds.Spec.Template.Spec.Containers
	if len(containers) != 1 || containers[0].Name != ds.Name {
		return fmt.Sprintf("it does not run exactly one container named %q", ds.Name)
	}
	for i, v := range ds.Spec.Template.Spec.Volumes {
		if v.HostPath == nil || v.Name != hostPathVolume(i) {
			return fmt.Sprintf("its volume %q is not one of the agent's host paths", v.Name)
		}
	}
	return ""
}

// readEnv splits the container's environment into the user's variables and whether NODE_NAME
// comes from the node's name. A variable set to "" reads back without a value.
func readEnv(env []corev1ac.EnvVarApplyConfiguration) (map[string]string, bool) {
	values := map[string]string{}
	injected := false
	for _, e := range env {
		name := deref(e.Name)
		if e.ValueFrom != nil {
			injected = injected || (name == nodeNameEnv && e.ValueFrom.FieldRef != nil &&
				deref(e.ValueFrom.FieldRef.FieldPath) == "spec.nodeName")
			continue
		}
		values[name] = deref(e.Value)
	}
	return values, injected
}

// nilIfEmpty is nil for an empty map: of the agent's labels and environment, which it always sends
// with entries of its own (the selector labels, NODE_NAME), an empty remainder is no value of the
// configuration's.
func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// toleratesEveryTaint recognises the toleration tolerate_all_taints adds: operator Exists with no
// key and no effect.
func toleratesEveryTaint(tolerations []corev1ac.TolerationApplyConfiguration) bool {
	for _, t := range tolerations {
		if t.Operator != nil && *t.Operator == corev1.TolerationOpExists && deref(t.Key) == "" && t.Effect == nil {
			return true
		}
	}
	return false
}

// readHostPaths pairs each owned hostPath volume with its owned mount in the agent's container, in
// volume order; read_only comes from the live mount, as the booleans of setFromObject do.
func readHostPaths(ctx context.Context, volumes []corev1ac.VolumeApplyConfiguration, mounts []corev1ac.VolumeMountApplyConfiguration, liveMounts []corev1.VolumeMount, diags *diag.Diagnostics) types.List {
	var hostPaths []hostPathModel
	for _, v := range volumes {
		if v.HostPath == nil {
			continue
		}
		hp := hostPathModel{
			Path:      types.StringPointerValue(v.HostPath.Path),
			MountPath: types.StringNull(),
			ReadOnly:  types.BoolValue(false),
			Type:      types.StringPointerValue((*string)(v.HostPath.Type)),
		}
		for _, mount := range mounts {
			if deref(mount.Name) == deref(v.Name) {
				hp.MountPath = types.StringPointerValue(mount.MountPath)
			}
		}
		for _, mount := range liveMounts {
			if mount.Name == deref(v.Name) && mount.MountPath == hp.MountPath.ValueString() {
				hp.ReadOnly = types.BoolValue(mount.ReadOnly)
			}
		}
		hostPaths = append(hostPaths, hp)
	}
	var list types.List
	valueFrom(ctx, path.Root("host_paths"), hostPaths, &list, diags)
	return list
}

func readPorts(ctx context.Context, ports []corev1ac.ContainerPortApplyConfiguration, diags *diag.Diagnostics) types.List {
	var read []agentPortModel
	for _, p := range ports {
		// The agent always sends a protocol, TCP by default, which is also the server's default
		// for this list key: an import cannot tell them apart, and reads it as TCP.
		protocol := string(ptr.Deref(p.Protocol, corev1.ProtocolTCP))
		read = append(read, agentPortModel{
			Name:          types.StringPointerValue(p.Name),
			ContainerPort: int32Value(p.ContainerPort),
			HostPort:      int32Value(p.HostPort),
			Protocol:      types.StringValue(protocol),
		})
	}
	var list types.List
	valueFrom(ctx, path.Root("ports"), read, &list, diags)
	return list
}

func readResources(r *corev1ac.ResourceRequirementsApplyConfiguration) resourcesModel {
	quantity := func(list *corev1.ResourceList, name corev1.ResourceName) kubeschema.QuantityValue {
		if list == nil {
			return kubeschema.QuantityValue{StringValue: types.StringNull()}
		}
		q, ok := (*list)[name]
		if !ok {
			return kubeschema.QuantityValue{StringValue: types.StringNull()}
		}
		return kubeschema.NewQuantityValue(q.String())
	}
	if r == nil {
		r = corev1ac.ResourceRequirements()
	}
	return resourcesModel{
		CPURequest:    quantity(r.Requests, corev1.ResourceCPU),
		CPULimit:      quantity(r.Limits, corev1.ResourceCPU),
		MemoryRequest: quantity(r.Requests, corev1.ResourceMemory),
		MemoryLimit:   quantity(r.Limits, corev1.ResourceMemory),
	}
}

// readProbe returns nil, a null readiness_probe, when the manager owns no probe.
func readProbe(p *corev1ac.ProbeApplyConfiguration) *probeModel {
	if p == nil {
		return nil
	}
	probe := &probeModel{
		InitialDelaySeconds: int32Value(p.InitialDelaySeconds),
		PeriodSeconds:       int32Value(p.PeriodSeconds),
	}
	if p.HTTPGet != nil {
		port := types.Int64Null()
		if p.HTTPGet.Port != nil && p.HTTPGet.Port.Type == intstr.Int {
			port = types.Int64Value(int64(p.HTTPGet.Port.IntVal))
		}
		probe.HTTPGet = &httpGetModel{Path: types.StringPointerValue(p.HTTPGet.Path), Port: port}
	}
	if p.Exec != nil {
		probe.Exec = &probeExecModel{Command: p.Exec.Command}
	}
	return probe
}

func intOrStringValue(v *intstr.IntOrString) types.String {
	if v == nil {
		return types.StringNull()
	}
	return types.StringValue(v.String())
}

func int32Value(v *int32) types.Int64 {
	if v == nil {
		return types.Int64Null()
	}
	return types.Int64Value(int64(*v))
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func stringList(ctx context.Context, v types.List) ([]string, diag.Diagnostics) {
	var out []string
	diags := listElements(ctx, v, &out)
	return out, diags
}

// listElements decodes a known list; a null or unknown one leaves target empty.
func listElements(ctx context.Context, v types.List, target any) diag.Diagnostics {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	return v.ElementsAs(ctx, target, false)
}

// ownedList reads back a list of strings: null when the manager owns none and the configuration did
// not set it, the configured empty list when it did.
func ownedList(ctx context.Context, owned []string, prior types.List, diags *diag.Diagnostics) types.List {
	read, d := types.ListValueFrom(ctx, types.StringType, owned)
	diags.Append(d...)
	return reconciled(ctx, prior, read)
}

// reconciled aligns a list read back with the prior one, see kubeschema.ReconcileRead.
func reconciled(ctx context.Context, prior, read types.List) types.List {
	if kept, ok := kubeschema.ReconcileRead(ctx, prior, read).(types.List); ok {
		return kept
	}
	return read
}
