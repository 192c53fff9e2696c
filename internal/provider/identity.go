package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// identityModel identifies a DaemonSet for Terraform 1.12+ import blocks and resource identity.
type identityModel struct {
	Namespace types.String `tfsdk:"namespace"`
	Name      types.String `tfsdk:"name"`
}

func daemonSetIdentitySchema() identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"namespace": identityschema.StringAttribute{RequiredForImport: true, Description: "Namespace of the DaemonSet."},
			"name":      identityschema.StringAttribute{RequiredForImport: true, Description: "Name of the DaemonSet."},
		},
	}
}

// setIdentity records the identity of the object now in state, from its id "namespace/name" (both
// resources keep one); clients without identity support pass no identity and nothing is recorded.
func setIdentity(ctx context.Context, state *tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil || state.Raw.IsNull() {
		return
	}
	var id types.String
	diags.Append(state.GetAttribute(ctx, path.Root("id"), &id)...)
	namespace, name, found := strings.Cut(id.ValueString(), "/")
	if diags.HasError() || !found {
		return
	}
	diags.Append(identity.Set(ctx, identityModel{Namespace: types.StringValue(namespace), Name: types.StringValue(name)})...)
}

// keepIdentity gives a resource that Read found gone the identity namespace/name. The framework
// requires an identity from every Read without error, one that removes the resource included, and a
// client that stores none (Terraform before 1.12) sends none to carry over: without this, a
// DaemonSet deleted out of band would fail the refresh instead of being planned for creation.
func keepIdentity(ctx context.Context, namespace, name string, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil || !identity.Raw.IsFullyNull() {
		return
	}
	diags.Append(identity.Set(ctx, identityModel{Namespace: types.StringValue(namespace), Name: types.StringValue(name)})...)
}

// importTarget reads the DaemonSet to import from the import ID ("namespace/name") or, with an
// import block's identity, from the identity attributes.
func importTarget(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) (namespace, name string) {
	// `terraform import x ""` sends an empty ID and a null identity: that is a bad ID, not an identity.
	if req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsFullyNull() {
		var id identityModel
		diags.Append(req.Identity.Get(ctx, &id)...)
		if diags.HasError() {
			return "", ""
		}
		if id.Namespace.ValueString() == "" || id.Name.ValueString() == "" {
			diags.AddError("Invalid import identity", "Both namespace and name are required in the import block's identity.")
		} else if problem := identityProblem(id.Namespace.ValueString(), id.Name.ValueString()); problem != "" {
			diags.AddError("Invalid import identity", problem)
		}
		return id.Namespace.ValueString(), id.Name.ValueString()
	}
	namespace, name, problem := parseImportID(req.ID)
	if problem != "" {
		diags.AddError("Invalid import ID", problem)
	}
	return namespace, name
}
