package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwlist "github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

// listPageSize bounds each list request, so that a namespace with thousands of DaemonSets is read
// in pieces, as the waits read nodes and pods.
const listPageSize = 500

var (
	_ fwlist.ListResourceWithConfigure      = (*daemonSetList)(nil)
	_ fwlist.ListResourceWithValidateConfig = (*daemonSetList)(nil)
)

// NewDaemonSetListResource lists DaemonSets for `terraform query`, each with its identity and,
// when asked, the kubedaemon_daemonset an import reads.
func NewDaemonSetListResource() fwlist.ListResource { return &daemonSetList{} }

// NewNodeAgentListResource lists the DaemonSets of the node agent's shape, as kubedaemon_node_agent.
func NewNodeAgentListResource() fwlist.ListResource { return &daemonSetList{agent: true} }

// daemonSetList lists DaemonSets as one of the two resources; agent selects kubedaemon_node_agent.
type daemonSetList struct {
	client *kubeclient.Client
	agent  bool
}

type daemonSetListModel struct {
	Namespace     types.String `tfsdk:"namespace"`
	LabelSelector types.String `tfsdk:"label_selector"`
	FieldSelector types.String `tfsdk:"field_selector"`
}

func (l *daemonSetList) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_daemonset"
	if l.agent {
		resp.TypeName = req.ProviderTypeName + "_node_agent"
	}
}

func (l *daemonSetList) ListResourceConfigSchema(_ context.Context, _ fwlist.ListResourceSchemaRequest, resp *fwlist.ListResourceSchemaResponse) {
	what, resourceType := "DaemonSets", "kubedaemon_daemonset"
	if l.agent {
		what, resourceType = "the DaemonSets of the node agent's shape (its selector, one container, its host path volumes)", "kubedaemon_node_agent"
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists " + what + " to import, whatever made them, with their identity and (with " +
			"`include_resource`) the `" + resourceType + "` an import would read, so that " +
			"`terraform query -generate-config-out` writes import blocks and configurations that plan no change.",
		Attributes: map[string]schema.Attribute{
			"namespace": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "List the DaemonSets of this namespace only. Unset: every namespace.",
				Validators:          []validator.String{namespaceValidator()},
			},
			"label_selector": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "A label selector, as for `kubectl get -l`, e.g. `app.kubernetes.io/part-of=logging`.",
			},
			"field_selector": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "A field selector, as for `kubectl get --field-selector`, e.g. `metadata.name!=kube-proxy`.",
			},
		},
	}
}

func (l *daemonSetList) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	l.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

// ValidateListResourceConfig refuses malformed selectors before any request.
func (l *daemonSetList) ValidateListResourceConfig(ctx context.Context, req fwlist.ValidateConfigRequest, resp *fwlist.ValidateConfigResponse) {
	var m daemonSetListModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if s := m.LabelSelector; !s.IsNull() && !s.IsUnknown() {
		if _, err := labels.Parse(s.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("label_selector"), "Invalid label selector", err.Error())
		}
	}
	if s := m.FieldSelector; !s.IsNull() && !s.IsUnknown() {
		if _, err := fields.ParseSelector(s.ValueString()); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("field_selector"), "Invalid field selector", err.Error())
		}
	}
}

func (l *daemonSetList) List(ctx context.Context, req fwlist.ListRequest, stream *fwlist.ListResultsStream) {
	var m daemonSetListModel
	diags := req.Config.Get(ctx, &m)
	if !diags.HasError() && !requireClient(l.client, &diags) {
		diags.AddError("Provider not configured", "The kubedaemon provider has no cluster to list DaemonSets of.")
	}
	if diags.HasError() {
		stream.Results = fwlist.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(fwlist.ListResult) bool) {
		opts := metav1.ListOptions{LabelSelector: m.LabelSelector.ValueString(), FieldSelector: m.FieldSelector.ValueString()}
		var sent int64
		err := daemonset.Each(ctx, l.client.Clientset, m.Namespace.ValueString(), opts, listPageSize, func(ds *appsv1.DaemonSet) bool {
			if l.agent && notAgentShaped(ds) != "" {
				return true
			}
			sent++
			return push(l.listed(ctx, req, ds)) && (req.Limit <= 0 || sent < req.Limit)
		})
		if err != nil {
			var d diag.Diagnostics
			d.AddError("Cannot list DaemonSets", l.client.ExplainError(err).Error())
			push(fwlist.ListResult{Diagnostics: d})
		}
	}
}

// listed is one result: the DaemonSet's identity and name, and with IncludeResource the state its
// import would leave (ImportState, then Read, without the coverage, which needs a read of its own
// per DaemonSet).
func (l *daemonSetList) listed(ctx context.Context, req fwlist.ListRequest, ds *appsv1.DaemonSet) fwlist.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = ds.Namespace + "/" + ds.Name
	result.Diagnostics.Append(result.Identity.Set(ctx, identityModel{Namespace: types.StringValue(ds.Namespace), Name: types.StringValue(ds.Name)})...)
	if !req.IncludeResource || result.Diagnostics.HasError() {
		return result
	}
	var m appliedDaemonSet
	if l.agent {
		result.Diagnostics.Append(importedNodeAgent(ctx, ds.Namespace, ds.Name, result.Resource.SetAttribute)...)
		agent := &nodeAgentModel{}
		result.Diagnostics.Append(result.Resource.Get(ctx, agent)...)
		agent.fillDefaults()
		m = agent
	} else {
		result.Diagnostics.Append(importedDaemonSet(ctx, ds.Namespace, ds.Name, result.Resource.SetAttribute)...)
		daemonSet := &daemonSetModel{}
		result.Diagnostics.Append(result.Resource.Get(ctx, daemonSet)...)
		daemonSet.fillDefaults()
		m = daemonSet
	}
	if result.Diagnostics.HasError() {
		return result
	}
	result.Diagnostics.Append(readInto(ctx, m, ds)...)
	if agent, ok := m.(*nodeAgentModel); ok && !result.Diagnostics.HasError() {
		created, err := serviceAccountCreated(ctx, l.client, agent)
		if err != nil {
			result.Diagnostics.AddError("Cannot read ServiceAccount "+ds.Namespace+"/"+agent.ServiceAccountName.ValueString(), l.client.ExplainError(err).Error())
			return result
		}
		agent.CreateServiceAccount = types.BoolValue(created)
	}
	if result.Diagnostics.HasError() {
		return result
	}
	result.Diagnostics.Append(result.Resource.Set(ctx, m)...)
	return result
}
