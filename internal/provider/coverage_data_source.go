package provider

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

var (
	_ datasource.DataSource              = (*coverageDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*coverageDataSource)(nil)
)

// NewCoverageDataSource returns the kubedaemon_coverage data source.
func NewCoverageDataSource() datasource.DataSource {
	return &coverageDataSource{}
}

type coverageDataSource struct {
	client *kubeclient.Client
}

type coverageModel struct {
	ID                 types.String `tfsdk:"id"`
	Namespace          types.String `tfsdk:"namespace"`
	Name               types.String `tfsdk:"name"`
	CountNotReadyNodes types.Bool   `tfsdk:"count_not_ready_nodes"`
	ListAllNodes       types.Bool   `tfsdk:"list_all_nodes"`
	Complete           types.Bool   `tfsdk:"complete"`
	Revision           types.String `tfsdk:"revision"`
	GenerationObserved types.Bool   `tfsdk:"generation_observed"`
	NodesTotal         types.Int64  `tfsdk:"nodes_total"`
	Eligible           types.Int64  `tfsdk:"eligible"`
	Counted            types.Int64  `tfsdk:"counted"`
	Covered            types.Int64  `tfsdk:"covered"`
	Misscheduled       types.Int64  `tfsdk:"misscheduled"`
	Uncovered          types.List   `tfsdk:"uncovered"`
	NotReady           types.List   `tfsdk:"not_ready"`
	Nodes              types.List   `tfsdk:"nodes"`
	Waves              types.List   `tfsdk:"waves"`
}

func (d *coverageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_coverage"
}

func (d *coverageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Node-by-node coverage of one DaemonSet: which nodes are eligible (the DaemonSet controller " +
			"would place a pod there), counted (eligible and Ready) and covered (running a Ready pod of the current " +
			"revision, Ready for at least `minReadySeconds`), and for every other node the reason why not. " +
			"The verdict is computed from the nodes and pods themselves, not from the DaemonSet's status counters.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "`namespace/name` of the DaemonSet.",
			},
			"namespace": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Namespace of the DaemonSet. Defaults to `default`.",
				Validators:          []validator.String{namespaceValidator()},
			},
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Name of the DaemonSet.",
				Validators:          []validator.String{nameValidator()},
			},
			"count_not_ready_nodes": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "When `true`, eligible nodes whose Ready condition is not True are counted too, so " +
					"`complete` requires them to be covered. Defaults to `false`: such nodes cannot start a pod and " +
					"are listed in `not_ready` instead.",
			},
			"list_all_nodes": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "When `true`, `nodes` lists every node in the cluster. Defaults to `false`: `nodes` lists the " +
					"nodes that want a look, the eligible nodes that are not covered (those not counted because they are not " +
					"Ready included) and the nodes that run a pod of the DaemonSet though they are not eligible, so a healthy " +
					"DaemonSet lists none. On thousands of nodes, a list of them all makes every plan that reads the data " +
					"source slower and the state larger by a few hundred bytes a node.",
			},
			"complete": schema.BoolAttribute{
				Computed: true,
				MarkdownDescription: "`true` when the DaemonSet controller has observed the current generation and every " +
					"counted node is covered.",
			},
			"revision": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The current revision: the `controller-revision-hash` of the DaemonSet's newest ControllerRevision.",
			},
			"generation_observed": schema.BoolAttribute{
				Computed:            true,
				MarkdownDescription: "`true` when the DaemonSet controller has observed the DaemonSet's current generation.",
			},
			"nodes_total":  countAttribute("Number of nodes in the cluster."),
			"eligible":     countAttribute("Number of eligible nodes: those on which the DaemonSet controller would run a pod."),
			"counted":      countAttribute("Number of counted nodes: eligible nodes that are Ready (or all eligible nodes with `count_not_ready_nodes`)."),
			"covered":      countAttribute("Number of covered nodes: counted nodes that run a Ready pod of the current revision."),
			"misscheduled": countAttribute("Number of nodes that run a pod of this DaemonSet but are not eligible."),
			"uncovered": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Names of the counted nodes that are not covered, sorted.",
			},
			"not_ready": schema.ListAttribute{
				Computed:            true,
				ElementType:         types.StringType,
				MarkdownDescription: "Names of the eligible nodes that are not counted because they are not Ready, sorted.",
			},
			"nodes": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "One entry per node that is eligible but not covered, or runs a pod though not eligible; " +
					"with `list_all_nodes`, one per node in the cluster. Sorted by name.",
				// The framework looks the type up for every null value in the list, thousands of
				// them; without a CustomType it builds the type each time.
				CustomType: types.ListType{ElemType: types.ObjectType{AttrTypes: coverageNodeAttrTypes}},
				NestedObject: schema.NestedAttributeObject{
					CustomType: types.ObjectType{AttrTypes: coverageNodeAttrTypes},
					Attributes: map[string]schema.Attribute{
						"name":     schema.StringAttribute{Computed: true, MarkdownDescription: "Node name."},
						"eligible": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the DaemonSet controller would run a pod on the node."},
						"ineligible_reason": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "Why the node is not eligible: " + reasonList(coverage.IneligibleReasons) + ". Null when eligible.",
						},
						"node_ready": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the node's Ready condition is True."},
						"counted":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the node counts towards completion."},
						"covered":    schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the node runs a Ready pod of the current revision."},
						"pod":        schema.StringAttribute{Computed: true, MarkdownDescription: "Name of the DaemonSet's pod on the node, null when there is none."},
						"pod_phase":  schema.StringAttribute{Computed: true, MarkdownDescription: "Phase of that pod."},
						"pod_ready":  schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether that pod's Ready condition is True."},
						"current_revision": schema.BoolAttribute{
							Computed:            true,
							MarkdownDescription: "Whether that pod runs the current revision.",
						},
						"reason": schema.StringAttribute{
							Computed: true,
							MarkdownDescription: "Why the node is not eligible, not counted or not covered: one of " +
								reasonList(coverage.Reasons) + ". Null when the node is covered.",
						},
						"message": schema.StringAttribute{
							Computed:            true,
							MarkdownDescription: "Detail for the reason: the untolerated taint, the container's waiting message, and so on.",
						},
						"wave": schema.Int64Attribute{
							Computed: true,
							MarkdownDescription: "The wave (1 for the first) of the staged rollout (`rollout.waves`) the node belongs to; " +
								"null for a node that is not counted, or a DaemonSet without waves.",
						},
					},
				},
			},
			"waves": schema.ListNestedAttribute{
				Computed: true,
				MarkdownDescription: "For a DaemonSet whose resource sets `rollout.waves` (the provider records them on the DaemonSet), " +
					"each wave's progress: its counted `nodes`, how many run a Ready pod of the current revision (`covered`), and its " +
					"`state`: `done` for the waves before the first one not wholly updated, `updating` for that one, `pending` after " +
					"it. Null without waves.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"nodes":   countAttribute(waveNodesDescription),
					"covered": countAttribute(waveCoveredDescription),
					"state":   schema.StringAttribute{Computed: true, MarkdownDescription: "`done`, `updating` or `pending`."},
				}},
			},
		},
	}
}

func countAttribute(description string) schema.Int64Attribute {
	return schema.Int64Attribute{Computed: true, MarkdownDescription: description}
}

func (d *coverageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *coverageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var data coverageModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !requireClient(d.client, &resp.Diagnostics) {
		return
	}
	namespace := data.Namespace.ValueString()
	if namespace == "" {
		namespace = defaultNamespace
	}
	name := data.Name.ValueString()

	// The data source is the node-by-node report a user asked for: its nodes are read afresh.
	state, report, err := rollout.Snapshot(ctx, d.client.Clientset, namespace, name, nil,
		coverage.Options{CountNotReadyNodes: data.CountNotReadyNodes.ValueBool()})
	if err != nil {
		var notFound *rollout.NotFoundError
		if errors.As(err, &notFound) {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "DaemonSet not found", err.Error())
			return
		}
		resp.Diagnostics.AddError("Cannot read the coverage of DaemonSet "+namespace+"/"+name, d.client.ExplainError(err).Error())
		return
	}
	tflog.Debug(ctx, "coverage computed", map[string]any{
		"daemonset": namespace + "/" + name, "counted": report.Counted, "covered": report.Covered,
	})

	data.ID = types.StringValue(namespace + "/" + name)
	data.Namespace = types.StringValue(namespace)
	resp.Diagnostics.Append(setCoverage(ctx, &data, report)...)
	assigned, progress := recordedWaves(state, report)
	var listDiags diag.Diagnostics
	data.Waves, listDiags = waveProgressList(progress)
	resp.Diagnostics.Append(listDiags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if resp.State.Raw, err = withNodes(resp.State.Raw, listed(report, data.ListAllNodes.ValueBool()), assigned); err != nil {
		resp.Diagnostics.AddError("Cannot record the coverage of DaemonSet "+namespace+"/"+name, err.Error())
	}
}

// listed is the nodes of r that the data source lists.
func listed(r coverage.Report, all bool) []coverage.NodeReport {
	if all {
		return r.Nodes
	}
	return r.NotCovered()
}

var coverageNodeAttrTypes = map[string]attr.Type{
	"name":              types.StringType,
	"eligible":          types.BoolType,
	"ineligible_reason": types.StringType,
	"node_ready":        types.BoolType,
	"counted":           types.BoolType,
	"covered":           types.BoolType,
	"pod":               types.StringType,
	"pod_phase":         types.StringType,
	"pod_ready":         types.BoolType,
	"current_revision":  types.BoolType,
	"reason":            types.StringType,
	"message":           types.StringType,
	"wave":              types.Int64Type,
}

// recordedWaves is, for a DaemonSet whose configuration recorded waves, each counted node's wave
// and the waves' progress; nil without.
func recordedWaves(state coverage.State, report coverage.Report) (map[string]int, []waves.Progress) {
	raw, ok := daemonset.RecordedValue(state.DaemonSet, daemonset.WavesKey)
	if !ok {
		return nil, nil
	}
	var specs []waves.Spec
	if json.Unmarshal(raw, &specs) != nil {
		return nil, nil
	}
	ws, err := waves.FromSpecs(specs)
	if err != nil || len(ws) == 0 {
		return nil, nil
	}
	return waves.Summarize(ws, report, state.Nodes)
}

func setCoverage(ctx context.Context, data *coverageModel, r coverage.Report) (diags diag.Diagnostics) {
	data.Complete = types.BoolValue(r.Complete)
	data.Revision = types.StringValue(r.Revision)
	data.GenerationObserved = types.BoolValue(r.GenerationObserved)
	data.NodesTotal = types.Int64Value(int64(r.NodesTotal))
	data.Eligible = types.Int64Value(int64(r.Eligible))
	data.Counted = types.Int64Value(int64(r.Counted))
	data.Covered = types.Int64Value(int64(r.Covered))
	data.Misscheduled = types.Int64Value(int64(r.Misscheduled))

	var d diag.Diagnostics
	data.Uncovered, d = types.ListValueFrom(ctx, types.StringType, nonNil(r.Uncovered))
	diags.Append(d...)
	data.NotReady, d = types.ListValueFrom(ctx, types.StringType, nonNil(r.NotReady))
	diags.Append(d...)

	// The nodes go into the state as Terraform values once the rest is set (withNodes).
	data.Nodes = types.ListNull(types.ObjectType{AttrTypes: coverageNodeAttrTypes})
	data.Waves = types.ListNull(types.ObjectType{AttrTypes: waveProgressAttrTypes})
	return diags
}

// nonNil makes an absent list an empty one: a computed list is never null in this data source.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
