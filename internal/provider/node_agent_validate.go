package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// ValidateConfig checks the rules that are the agent's own; the DaemonSet's rules run on the plan
// (checkAgentDaemonSet), where the defaults the agent builds on are filled in.
func (r *nodeAgentResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config nodeAgentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	config.validateLabels(&resp.Diagnostics)
	config.validateEnv(&resp.Diagnostics)
	if !config.CreateServiceAccount.IsNull() && !config.CreateServiceAccount.IsUnknown() && !config.CreateServiceAccount.ValueBool() &&
		config.ServiceAccountName.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("service_account_name"), "Missing ServiceAccount name",
			"With create_service_account = false, service_account_name must name an existing ServiceAccount of the namespace.")
	}
	// The agent rolls out with RollingUpdate, or under waves with OnDelete, which it sets itself;
	// then its own rolling update budgets have no say.
	strategy := config.updateStrategy()
	checkRolloutPolicy(&config.rolloutState, &strategy, &resp.Diagnostics)
	if staged(config.Rollout) {
		for name, v := range map[string]types.String{"max_unavailable": config.MaxUnavailable, "max_surge": config.MaxSurge} {
			if !v.IsNull() {
				resp.Diagnostics.AddAttributeError(path.Root(name), "Rolling update budget under waves",
					fmt.Sprintf("With rollout.waves the agent rolls out wave by wave under the OnDelete strategy, where %s has no say: remove it, and set rollout.max_unavailable for the pace within a wave.", name))
			}
		}
	}
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

// checkAgentDaemonSet runs the engine's rules on ds, the DaemonSet the plan would apply, each
// finding reported at the agent's attribute it comes from. A finding about a value not known yet
// waits for the plan in which it is.
func checkAgentDaemonSet(ctx context.Context, ds *appsv1.DaemonSet, plan tfsdk.Plan, diags *diag.Diagnostics) {
	at := func(p daemonset.Path) path.Path { return agentAttribute(p, ds) }
	held := func(p daemonset.Path) bool {
		var v attr.Value
		if plan.GetAttribute(ctx, at(p), &v).HasError() {
			return false
		}
		return !fullyKnown(v)
	}
	addFindings(diags, daemonset.Validate(ds), at, held)
}

// daemonSetObject is the DaemonSet the agent applies, for checks; false when it cannot be built,
// which the apply reports.
func (m *nodeAgentModel) daemonSetObject(ctx context.Context) (*appsv1.DaemonSet, bool) {
	ac, diags := m.applyConfiguration(ctx)
	if diags.HasError() {
		return nil, false
	}
	ds, err := daemonSetFromApplyConfiguration(ac)
	return ds, err == nil
}

var (
	dsPath        = daemonset.NewPath("spec")
	agentPodSpec  = dsPath.Child("template").Child("spec")
	agentPodMeta  = dsPath.Child("template").Child("metadata")
	agentStrategy = dsPath.Child("updateStrategy").Child("rollingUpdate")
	agentMain     = agentPodSpec.Child("containers").Index(0)
	agentMetadata = daemonset.NewPath("metadata")

	// agentAttributes maps the fields the agent builds from one attribute each; with follow set, the
	// steps below the field map on to the attribute's own (ports[1].hostPort is ports[1].host_port).
	agentAttributes = []struct {
		field     daemonset.Path
		attribute path.Path
		follow    bool
	}{
		{agentMetadata.Child("name"), path.Root("name"), false},
		{agentMetadata.Child("namespace"), path.Root("namespace"), false},
		{agentMetadata.Child("labels"), path.Root("labels"), true},
		{agentMetadata.Child("annotations"), path.Root("annotations"), true},
		{dsPath.Child("selector"), path.Root("name"), false},
		{agentPodMeta.Child("labels"), path.Root("labels"), true},
		{agentPodMeta.Child("annotations"), path.Root("pod_annotations"), true},
		{agentStrategy.Child("maxUnavailable"), path.Root("max_unavailable"), false},
		{agentStrategy.Child("maxSurge"), path.Root("max_surge"), false},
		{agentPodSpec.Child("hostNetwork"), path.Root("host_network"), false},
		{agentPodSpec.Child("dnsPolicy"), path.Root("host_network"), false},
		{agentPodSpec.Child("hostPID"), path.Root("host_pid"), false},
		{agentPodSpec.Child("priorityClassName"), path.Root("priority_class_name"), false},
		{agentPodSpec.Child("serviceAccountName"), path.Root("service_account_name"), false},
		{agentPodSpec.Child("nodeSelector"), path.Root("node_selector"), true},
		{agentPodSpec.Child("tolerations"), path.Root("tolerate_all_taints"), false},
		{agentMain.Child("name"), path.Root("name"), false},
		{agentMain.Child("image"), path.Root("image"), false},
		{agentMain.Child("imagePullPolicy"), path.Root("image_pull_policy"), false},
		{agentMain.Child("command"), path.Root("command"), true},
		{agentMain.Child("args"), path.Root("args"), true},
		{agentMain.Child("ports"), path.Root("ports"), true},
		{agentMain.Child("readinessProbe"), path.Root("readiness_probe"), true},
		{agentMain.Child("securityContext").Child("capabilities").Child("add"), path.Root("capabilities"), true},
		{agentMain.Child("securityContext").Child("privileged"), path.Root("privileged"), false},
	}
	// agentQuantities are the agent's resources attributes, by list and resource name.
	agentQuantities = map[string]string{
		"requests/cpu": "cpu_request", "limits/cpu": "cpu_limit", "requests/memory": "memory_request", "limits/memory": "memory_limit",
	}
)

// agentAttribute is the agent attribute that the field p of the agent's DaemonSet ds is built from;
// the whole agent for a field no attribute sets.
func agentAttribute(p daemonset.Path, ds *appsv1.DaemonSet) path.Path {
	for _, a := range agentAttributes {
		if rest, ok := p.CutPrefix(a.field); ok {
			if a.follow {
				return below(a.attribute, rest)
			}
			return a.attribute
		}
	}
	// Volume i and mount i are host_paths[i]: hostPathVolumes builds them in the list's order.
	if rest, ok := p.CutPrefix(agentPodSpec.Child("volumes")); ok && len(rest) > 0 {
		at := path.Root("host_paths").AtListIndex(rest[0].Index)
		if len(rest) == 3 && rest[1].Field == "hostPath" {
			return at.AtName(rest[2].Field)
		}
		return at
	}
	if rest, ok := p.CutPrefix(agentMain.Child("volumeMounts")); ok && len(rest) > 0 {
		at := path.Root("host_paths").AtListIndex(rest[0].Index)
		if len(rest) == 2 && rest[1].Field == "mountPath" {
			return at.AtName("mount_path")
		}
		return at
	}
	if rest, ok := p.CutPrefix(agentMain.Child("env")); ok && len(rest) > 0 {
		if env := ds.Spec.Template.Spec.Containers[0].Env; rest[0].Index < len(env) {
			if e := env[rest[0].Index]; e.ValueFrom == nil {
				return path.Root("env").AtMapKey(e.Name)
			}
		}
		return path.Root("inject_node_name")
	}
	if rest, ok := p.CutPrefix(agentMain.Child("resources")); ok && len(rest) == 2 {
		if name, known := agentQuantities[rest[0].Field+"/"+rest[1].Key]; known {
			return path.Root("resources").AtName(name)
		}
	}
	return path.Empty()
}
