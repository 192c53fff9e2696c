package provider

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

var (
	_ resource.Resource                   = (*daemonSetResource)(nil)
	_ resource.ResourceWithConfigure      = (*daemonSetResource)(nil)
	_ resource.ResourceWithImportState    = (*daemonSetResource)(nil)
	_ resource.ResourceWithValidateConfig = (*daemonSetResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*daemonSetResource)(nil)
	_ resource.ResourceWithIdentity       = (*daemonSetResource)(nil)
)

const defaultTimeout = 10 * time.Minute

// NewDaemonSetResource returns the kubedaemon_daemonset resource.
func NewDaemonSetResource() resource.Resource {
	return &daemonSetResource{}
}

type daemonSetResource struct {
	client *kubeclient.Client
}

func (r *daemonSetResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_daemonset"
}

func (r *daemonSetResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	spec, err := daemonSetSpecObject()
	if err != nil {
		resp.Diagnostics.AddError("Cannot build the DaemonSet schema", err.Error())
		return
	}
	attributes := rolloutArguments()
	attributes["id"] = schema.StringAttribute{
		Computed:            true,
		MarkdownDescription: "`namespace/name` of the DaemonSet.",
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attributes["metadata"] = metadataAttribute()
	specAttribute := spec.SingleNestedAttribute(true)
	// The API server refuses to change a DaemonSet's selector, so a new one means a new DaemonSet.
	specAttribute.Attributes = maps.Clone(specAttribute.Attributes)
	if selector, ok := specAttribute.Attributes["selector"].(schema.SingleNestedAttribute); ok {
		selector.PlanModifiers = append(selector.PlanModifiers, objectplanmodifier.RequiresReplace())
		specAttribute.Attributes["selector"] = selector
	}
	specAttribute.MarkdownDescription = "The DaemonSet's spec: every field of apps/v1 DaemonSetSpec, with Kubernetes' names " +
		"in snake_case (`nodeSelector` is `node_selector`). Only the fields set here are managed; fields set by other " +
		"tools or by server defaults are left alone."
	attributes["spec"] = specAttribute
	attributes["timeouts"] = timeoutsAttribute(ctx)
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Kubernetes DaemonSet (apps/v1), applied with server-side apply. Create and update return " +
			"only when every counted node runs a Ready pod of the new revision, watching the nodes and pods themselves; " +
			"when that cannot happen before the timeout, the error names the nodes and the reasons.",
		Attributes: attributes,
	}
}

func (r *daemonSetResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *daemonSetResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan daemonSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	timeout, ok := operationTimeout(ctx, plan.Timeouts.Create, &resp.Diagnostics)
	if !ok {
		return
	}
	// Apply saves state as soon as the object exists, so a failed wait leaves it in state
	// (tainted, as after any failed create) instead of orphaning it in the cluster.
	planned := plan.Spec
	applyAndWait(ctx, timeout, r.client, &plan, nil, &resp.State, resp.Private, &resp.Diagnostics)
	reportDropped(ctx, planned, plan.Spec, &resp.Diagnostics)
	setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *daemonSetResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state daemonSetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	namespace, name, diags := state.namespacedName(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	state.fillDefaults()
	if !readDaemonSet(ctx, r.client, namespace, name, &state, resp.Private, &resp.Diagnostics) {
		resp.State.RemoveResource(ctx)
		keepIdentity(ctx, namespace, name, resp.Identity, &resp.Diagnostics)
		return
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *daemonSetResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, prior daemonSetModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	timeout, ok := operationTimeout(ctx, plan.Timeouts.Update, &resp.Diagnostics)
	if !ok {
		return
	}
	planned := plan.Spec
	applyAndWait(ctx, timeout, r.client, &plan, &prior, &resp.State, resp.Private, &resp.Diagnostics)
	reportDropped(ctx, planned, plan.Spec, &resp.Diagnostics)
	setIdentity(ctx, &resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *daemonSetResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state daemonSetModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !requireClient(r.client, &resp.Diagnostics) {
		return
	}
	ctx, cancel, ok := operationContext(ctx, state.Timeouts.Delete, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	namespace, name, diags := state.namespacedName(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	deleteAndWait(ctx, r.client, namespace, name, state.recordedUID(), state.DeletePropagation.ValueString(), &resp.Diagnostics)
}

func (r *daemonSetResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = daemonSetIdentitySchema()
}

func (r *daemonSetResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	namespace, name := importTarget(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(importedDaemonSet(ctx, namespace, name, resp.State.SetAttribute)...)
}

// importedDaemonSet sets what an import knows before the read: the object's name and namespace.
// The list resource starts its results the same way.
func importedDaemonSet(ctx context.Context, namespace, name string, set func(context.Context, path.Path, any) diag.Diagnostics) diag.Diagnostics {
	md, diags := types.ObjectValue(metadataAttrTypes, map[string]attr.Value{
		"name":        types.StringValue(name),
		"namespace":   types.StringValue(namespace),
		"labels":      types.MapNull(types.StringType),
		"annotations": types.MapNull(types.StringType),
	})
	diags.Append(set(ctx, path.Root("metadata"), md)...)
	diags.Append(set(ctx, path.Root("id"), types.StringValue(namespace+"/"+name))...)
	return diags
}

// parseImportID splits "namespace/name" and checks both parts with the API server's rules, so that
// an import never guesses and a malformed ID fails before any request; problem says what is wrong.
func parseImportID(id string) (namespace, name, problem string) {
	parts := strings.Split(id, "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", "Expected an import ID of the form namespace/name (for example kube-system/node-exporter), got " + strconv.Quote(id) + "."
	}
	if problem := identityProblem(parts[0], parts[1]); problem != "" {
		return "", "", "In the import ID " + strconv.Quote(id) + " (namespace/name): " + problem
	}
	return parts[0], parts[1], ""
}

// reportDropped turns configured fields that the API server did not keep into errors that name
// them, instead of Terraform's "inconsistent result after apply".
func reportDropped(ctx context.Context, planned, read types.Object, diags *diag.Diagnostics) {
	if diags.HasError() {
		return
	}
	for _, p := range kubeschema.Dropped(ctx, specPath, planned, read) {
		diags.AddAttributeError(p, "The API server did not keep this field",
			"The DaemonSet was applied, but the API server left this configured field out of the stored object. It belongs to "+
				"a feature that is off in this cluster (a feature gate), or an admission webhook removed it. Remove it from the "+
				"configuration, or enable the feature.")
	}
}
