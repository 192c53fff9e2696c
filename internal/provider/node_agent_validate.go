package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

// ValidateConfig catches at plan time, with the attribute path, what involves several attributes
// and would otherwise fail at the API server or leave the rollout stuck. Values not known yet are
// checked once they are.
func (r *nodeAgentResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config nodeAgentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(config.validate(ctx)...)
}

func (m *nodeAgentModel) validate(ctx context.Context) diag.Diagnostics {
	var diags diag.Diagnostics
	m.validateLabels(&diags)
	m.validateEnv(&diags)
	if !m.CreateServiceAccount.IsNull() && !m.CreateServiceAccount.IsUnknown() && !m.CreateServiceAccount.ValueBool() && m.ServiceAccountName.IsNull() {
		diags.AddAttributeError(path.Root("service_account_name"), "Missing ServiceAccount name",
			"With create_service_account = false, service_account_name must name an existing ServiceAccount of the namespace.")
	}
	m.validateHostPaths(ctx, &diags)
	hostPorts := m.validatePorts(ctx, &diags)
	m.validateResources(ctx, &diags)
	m.validateRollingUpdate(hostPorts, &diags)
	return diags
}

func (m *nodeAgentModel) validateLabels(diags *diag.Diagnostics) {
	for key, value := range m.Labels.Elements() {
		if key == agentNameLabel || key == agentManagedByLabel {
			diags.AddAttributeError(path.Root("labels").AtMapKey(key), "Reserved label",
				fmt.Sprintf("%s = %s: the agent sets %s and %s itself, to select its pods.", key, value, agentNameLabel, agentManagedByLabel))
		}
	}
}

func (m *nodeAgentModel) validateEnv(diags *diag.Diagnostics) {
	injected := m.InjectNodeName.IsNull() || (!m.InjectNodeName.IsUnknown() && m.InjectNodeName.ValueBool())
	if _, set := m.Env.Elements()[nodeNameEnv]; set && injected {
		diags.AddAttributeError(path.Root("env").AtMapKey(nodeNameEnv), "NODE_NAME is set twice",
			"inject_node_name already sets NODE_NAME to the node's name; remove it from env, or set inject_node_name = false.")
	}
}

// validateHostPaths checks that no two host paths are mounted at the same place in the container.
func (m *nodeAgentModel) validateHostPaths(ctx context.Context, diags *diag.Diagnostics) {
	mountedBy := map[string]int{}
	eachKnownElement(ctx, m.HostPaths, diags, func(i int, hp hostPathModel) {
		mountPath, at := hp.MountPath, path.Root("host_paths").AtListIndex(i).AtName("mount_path")
		if mountPath.IsNull() {
			mountPath, at = hp.Path, path.Root("host_paths").AtListIndex(i).AtName("path")
		}
		if first, used := mountedBy[mountPath.ValueString()]; used {
			diags.AddAttributeError(at, "Duplicate mount path", fmt.Sprintf("%s is also where host_paths[%d] is mounted; give one of them "+
				"another mount_path.", mountPath.ValueString(), first))
			return
		}
		mountedBy[mountPath.ValueString()] = i
	})
}

// validatePorts checks the rules the API server applies to a container's ports, and returns
// whether any port is bound on the node.
func (m *nodeAgentModel) validatePorts(ctx context.Context, diags *diag.Diagnostics) bool {
	hostNetwork := !m.HostNetwork.IsUnknown() && m.HostNetwork.ValueBool()
	hostPorts := false
	seen, names := map[string]int{}, map[string]int{}
	eachKnownElement(ctx, m.Ports, diags, func(i int, p agentPortModel) {
		at := path.Root("ports").AtListIndex(i)
		protocol := p.Protocol.ValueString()
		if p.Protocol.IsNull() {
			protocol = "TCP"
		}
		key := fmt.Sprintf("%d/%s", p.ContainerPort.ValueInt64(), protocol)
		if first, dup := seen[key]; dup {
			diags.AddAttributeError(at.AtName("container_port"), "Duplicate port", fmt.Sprintf("%s is also ports[%d].", key, first))
		}
		seen[key] = i
		if first, dup := names[p.Name.ValueString()]; dup && !p.Name.IsNull() {
			diags.AddAttributeError(at.AtName("name"), "Duplicate port name", fmt.Sprintf("%q is also the name of ports[%d].", p.Name.ValueString(), first))
		}
		names[p.Name.ValueString()] = i
		if hostNetwork && !p.HostPort.IsNull() && p.HostPort.ValueInt64() != p.ContainerPort.ValueInt64() {
			diags.AddAttributeError(at.AtName("host_port"), "Host port differs from the container port",
				"With host_network the container listens on the node itself, so host_port must equal container_port or be left unset.")
		}
		hostPorts = hostPorts || hostNetwork || !p.HostPort.IsNull()
	})
	return hostPorts
}

// validateResources checks that no request exceeds its limit, defaults included.
func (m *nodeAgentModel) validateResources(ctx context.Context, diags *diag.Diagnostics) {
	var configured resourcesModel
	if !m.Resources.IsNull() {
		if !fullyKnown(m.Resources) {
			return
		}
		diags.Append(m.Resources.As(ctx, &configured, objectAsOptions)...)
	}
	for _, pair := range []struct {
		request, limit               string
		requestValue, limitValue     kubeschema.QuantityValue
		requestDefault, limitDefault string
	}{
		{"cpu_request", "cpu_limit", configured.CPURequest, configured.CPULimit, defaultCPURequest, defaultCPULimit},
		{"memory_request", "memory_limit", configured.MemoryRequest, configured.MemoryLimit, defaultMemoryRequest, defaultMemoryLimit},
	} {
		request, requestNote := effectiveQuantity(pair.requestValue, pair.requestDefault)
		limit, limitNote := effectiveQuantity(pair.limitValue, pair.limitDefault)
		requestQuantity, errRequest := apiresource.ParseQuantity(request)
		limitQuantity, errLimit := apiresource.ParseQuantity(limit)
		if errRequest != nil || errLimit != nil || requestQuantity.Cmp(limitQuantity) <= 0 {
			continue
		}
		diags.AddAttributeError(path.Root("resources").AtName(pair.request), "Request above its limit",
			fmt.Sprintf("%s %s%s is more than %s %s%s; Kubernetes requires a request of at most its limit.",
				pair.request, request, requestNote, pair.limit, limit, limitNote))
	}
}

// effectiveQuantity is the configured quantity, or the default when unset (said so in messages).
func effectiveQuantity(v kubeschema.QuantityValue, defaultValue string) (string, string) {
	if v.IsNull() {
		return defaultValue, " (the default)"
	}
	return v.ValueString(), ""
}

// validateRollingUpdate checks the update budget: the DaemonSet controller needs either unavailable
// nodes or surge pods to make progress, and a surge pod cannot bind a port its old pod still holds.
func (m *nodeAgentModel) validateRollingUpdate(hostPorts bool, diags *diag.Diagnostics) {
	if m.MaxUnavailable.IsUnknown() || m.MaxSurge.IsUnknown() {
		return
	}
	maxUnavailable := defaultMaxUnavailable
	if !m.MaxUnavailable.IsNull() {
		maxUnavailable = m.MaxUnavailable.ValueString()
	}
	surge := !m.MaxSurge.IsNull() && !isZero(m.MaxSurge.ValueString())
	if isZero(maxUnavailable) && !surge {
		diags.AddAttributeError(path.Root("max_unavailable"), "Rollout cannot progress",
			"max_unavailable and max_surge cannot both be zero: the DaemonSet controller would replace no pod.")
	}
	if surge && hostPorts {
		diags.AddAttributeError(path.Root("max_surge"), "Surge with host ports",
			"A surge pod starts next to the old pod on the same node, so it cannot bind the node ports (host_port, or any "+
				"port with host_network) the old pod holds; the rollout would stall. Leave max_surge unset.")
	}
}

func isZero(intOrPercent string) bool {
	v := intstr.Parse(intOrPercent)
	return v.String() == "0" || v.String() == "0%"
}

// eachKnownElement calls fn with each element of a list that holds no unknown value.
func eachKnownElement[T any](ctx context.Context, list types.List, diags *diag.Diagnostics, fn func(int, T)) {
	if list.IsNull() || list.IsUnknown() {
		return
	}
	for i, e := range list.Elements() {
		object, ok := e.(types.Object)
		if !ok || !fullyKnown(object) {
			continue
		}
		var element T
		diags.Append(object.As(ctx, &element, objectAsOptions)...)
		fn(i, element)
	}
}
