package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

var (
	_ resource.Resource                   = (*nodeAgentResource)(nil)
	_ resource.ResourceWithConfigure      = (*nodeAgentResource)(nil)
	_ resource.ResourceWithImportState    = (*nodeAgentResource)(nil)
	_ resource.ResourceWithValidateConfig = (*nodeAgentResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*nodeAgentResource)(nil)
	_ resource.ResourceWithIdentity       = (*nodeAgentResource)(nil)
)

// NewNodeAgentResource returns the kubedaemon_node_agent resource.
func NewNodeAgentResource() resource.Resource {
	return &nodeAgentResource{}
}

type nodeAgentResource struct {
	client *kubeclient.Client
}

func (r *nodeAgentResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_node_agent"
}

func (r *nodeAgentResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = nodeAgentSchema(ctx)
}

func (r *nodeAgentResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *nodeAgentResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan nodeAgentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	r.apply(ctx, &plan, nil, plan.Timeouts.Create, &resp.State, resp.Private, &resp.Diagnostics)
	setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *nodeAgentResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior nodeAgentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	r.apply(ctx, &plan, &prior, plan.Timeouts.Update, &resp.State, resp.Private, &resp.Diagnostics)
	setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

// apply puts the agent's ServiceAccount, when it creates one, and then its DaemonSet through the
// same apply and wait as kubedaemon_daemonset. After an update (prior is set) it retires the
// ServiceAccount the agent created before, once the pods run under the new one.
func (r *nodeAgentResource) apply(parent context.Context, plan, prior *nodeAgentModel, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), state *tfsdk.State, private privateData, diags *diag.Diagnostics) {
	d, ok := operationTimeout(parent, timeout, diags)
	if !ok {
		return
	}
	// The ServiceAccount's calls are bounded by the operation's timeout; so, from its own start, are
	// the DaemonSet's apply and wait (applyAndWait).
	ctx, cancel := context.WithTimeout(parent, d)
	defer cancel()
	if plan.CreateServiceAccount.ValueBool() {
		// A ServiceAccount the agent did not create under this name before may be another tool's.
		if prior == nil || !prior.CreateServiceAccount.ValueBool() || prior.ServiceAccountName.ValueString() != plan.ServiceAccountName.ValueString() {
			ensureServiceAccountAbsent(ctx, r.client, plan, diags)
		}
		if diags.HasError() {
			return
		}
		applyServiceAccount(ctx, r.client, plan, diags)
		if diags.HasError() {
			return
		}
	}
	// As for kubedaemon_daemonset, a failed wait after a create leaves the agent in state, tainted.
	var priorDaemonSet appliedDaemonSet
	if prior != nil {
		priorDaemonSet = prior
	}
	rolledBack := applyAndWait(parent, d, r.client, plan, priorDaemonSet, state, private, diags)
	switch {
	case rolledBack:
		// Back on the prior configuration: the ServiceAccount this update made, if any, goes.
		rollbackCtx, cancel := context.WithTimeout(parent, d)
		defer cancel()
		retireServiceAccount(rollbackCtx, r.client, plan, prior, diags)
	case prior != nil && !diags.HasError():
		retireServiceAccount(ctx, r.client, prior, plan, diags)
	}
}

func (r *nodeAgentResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state nodeAgentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	namespace, name := state.namespacedName()
	state.fillDefaults()
	if !readDaemonSet(ctx, r.client, namespace, name, &state, resp.Private, &resp.Diagnostics) {
		resp.State.RemoveResource(ctx)
		keepIdentity(ctx, namespace, name, resp.Identity, &resp.Diagnostics)
		return
	}
	if resp.Diagnostics.HasError() {
		return
	}
	created, err := serviceAccountCreated(ctx, r.client, &state)
	switch {
	case err == nil:
		state.CreateServiceAccount = types.BoolValue(created)
	case apierrors.IsForbidden(err) && !state.CreateServiceAccount.IsNull():
		// Credentials that may not read ServiceAccounts can still manage an agent that uses an
		// existing one; what the state says stands.
		tflog.Debug(ctx, "cannot read the agent's ServiceAccount", map[string]any{"error": err.Error()})
	default:
		resp.Diagnostics.AddError("Cannot read ServiceAccount "+namespace+"/"+state.ServiceAccountName.ValueString(),
			r.client.ExplainError(err).Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *nodeAgentResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = daemonSetIdentitySchema()
}

func (r *nodeAgentResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state nodeAgentModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel, ok := operationContext(ctx, state.Timeouts.Delete, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	namespace, name := state.namespacedName()
	deleteAndWait(ctx, r.client, namespace, name, state.recordedUID(), state.DeletePropagation.ValueString(), &resp.Diagnostics)
	// Orphaned pods keep running under the ServiceAccount, so it stays with them.
	if resp.Diagnostics.HasError() || !state.CreateServiceAccount.ValueBool() || state.DeletePropagation.ValueString() == "Orphan" {
		return
	}
	deleteServiceAccount(ctx, r.client, namespace, state.ServiceAccountName.ValueString(), &resp.Diagnostics)
}

func (r *nodeAgentResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	namespace, name := importTarget(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(importedNodeAgent(ctx, namespace, name, resp.State.SetAttribute)...)
}

// importedNodeAgent sets what an import knows before the read, as importedDaemonSet does.
func importedNodeAgent(ctx context.Context, namespace, name string, set func(context.Context, path.Path, any) diag.Diagnostics) diag.Diagnostics {
	diags := set(ctx, path.Root("namespace"), namespace)
	diags.Append(set(ctx, path.Root("name"), name)...)
	diags.Append(set(ctx, path.Root("id"), namespace+"/"+name)...)
	return diags
}

// ModifyPlan warns when the cluster is reachable and no node would run the agent, as
// kubedaemon_daemonset does; it looks again only when where the pods may run changes.
func (r *nodeAgentResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	resumeIncompleteRollout(ctx, req, resp)
	warnCreateIsNotStaged(ctx, req, resp)
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan nodeAgentModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ds, ok := plan.daemonSetObject(ctx)
	if !ok {
		return
	}
	checkAgentDaemonSet(ctx, ds, req.Plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() || r.client == nil ||
		!fullyKnown(plan.NodeSelector) || plan.TolerateAllTaints.IsUnknown() || plan.HostNetwork.IsUnknown() {
		return
	}
	if !req.State.Raw.IsNull() {
		var state nodeAgentModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if state.NodeSelector.Equal(plan.NodeSelector) && state.TolerateAllTaints.Equal(plan.TolerateAllTaints) &&
			state.HostNetwork.Equal(plan.HostNetwork) {
			return
		}
	}
	// The shared check speaks of kubedaemon_daemonset's attributes; here the cause is node_selector
	// or tolerate_all_taints.
	var warnings diag.Diagnostics
	warnWhenNoNodeEligible(ctx, r.client, ds, &warnings)
	for _, w := range warnings {
		resp.Diagnostics.AddAttributeWarning(path.Root("node_selector"), w.Summary(), w.Detail())
	}
}
