package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

const (
	// restartedAtAnnotation is the pod template annotation `kubectl rollout restart` sets: a new
	// value is a new template, so the controller replaces every pod.
	restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"
	// restartFieldManager owns that annotation alone, so that the resources' field manager never
	// sees it as drift and their applies never remove it.
	restartFieldManager   = "kubedaemon-rollout-restart"
	defaultRestartTimeout = 10 * time.Minute
)

var (
	_ action.ActionWithConfigure      = (*rolloutRestartAction)(nil)
	_ action.ActionWithValidateConfig = (*rolloutRestartAction)(nil)
)

// NewRolloutRestartAction is the kubedaemon_rollout_restart action.
func NewRolloutRestartAction() action.Action { return &rolloutRestartAction{} }

type rolloutRestartAction struct {
	client *kubeclient.Client
}

type rolloutRestartModel struct {
	ID                   types.String `tfsdk:"id"`
	Namespace            types.String `tfsdk:"namespace"`
	Name                 types.String `tfsdk:"name"`
	Wait                 types.Bool   `tfsdk:"wait"`
	Timeout              types.String `tfsdk:"timeout"`
	WaitForNotReadyNodes types.Bool   `tfsdk:"wait_for_not_ready_nodes"`
}

func (a *rolloutRestartAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_rollout_restart"
}

func (a *rolloutRestartAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Restarts the pods of a DaemonSet as `kubectl rollout restart` does (the pod template annotation " +
			"`" + restartedAtAnnotation + "`, applied with a field manager of its own, `" + restartFieldManager + "`, so that the " +
			"resources' plans never show it as drift), then waits until every counted node runs a Ready pod of the new " +
			"revision, reporting progress as it goes. Works for the DaemonSets of `kubedaemon_daemonset` and " +
			"`kubedaemon_node_agent` and for DaemonSets Terraform does not manage. Requires Terraform 1.14 or later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The DaemonSet as `namespace/name`, e.g. a resource's `id`. Set either `id` or `name`.",
			},
			"namespace": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Namespace of the DaemonSet named by `name`. Defaults to `default`.",
				Validators:          []validator.String{namespaceValidator()},
			},
			"name": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Name of the DaemonSet. Set either `id` or `name`.",
				Validators:          []validator.String{nameValidator()},
			},
			"wait": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Wait until every counted node runs a Ready pod of the restarted template. Defaults to `true`.",
			},
			"timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "How long to wait, as a Go duration (`\"10m\"`, `\"1h30m\"`). Defaults to `\"10m\"`.",
				Validators:          []validator.String{ruleValidator{timeoutRule}},
			},
			"wait_for_not_ready_nodes": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Also wait for eligible nodes that are not Ready. Defaults to `false`: they are named in a warning.",
			},
		},
	}
}

func (a *rolloutRestartAction) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	a.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

// ValidateConfig asks for exactly one way of naming the DaemonSet, at plan time.
func (a *rolloutRestartAction) ValidateConfig(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	var m rolloutRestartModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.ID.IsUnknown() || m.Name.IsUnknown() {
		return
	}
	switch {
	case m.ID.IsNull() && m.Name.IsNull():
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Missing DaemonSet",
			`Set name (and namespace), or id as "namespace/name", to say which DaemonSet to restart.`)
	case !m.ID.IsNull() && (!m.Name.IsNull() || !m.Namespace.IsNull()):
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Conflicting DaemonSet", "Set either id or name and namespace, not both.")
	case !m.ID.IsNull():
		if _, _, problem := parseImportID(m.ID.ValueString()); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid DaemonSet id", problem)
		}
	}
}

func (a *rolloutRestartAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	var m rolloutRestartModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if a.client == nil {
		resp.Diagnostics.AddError("Provider not configured", "The kubedaemon provider has no cluster to restart the DaemonSet on.")
		return
	}
	namespace, name := m.Namespace.ValueString(), m.Name.ValueString()
	if namespace == "" {
		namespace = defaultNamespace
	}
	if !m.ID.IsNull() {
		namespace, name, _ = parseImportID(m.ID.ValueString())
	}
	id := namespace + "/" + name
	timeout := defaultRestartTimeout
	if !m.Timeout.IsNull() {
		timeout, _ = time.ParseDuration(m.Timeout.ValueString())
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	release, ok := lockRollout(ctx, a.client, namespace, name, "", timeout, &resp.Diagnostics)
	if !ok {
		return
	}
	defer release()

	restartedAt, ok := a.restart(ctx, namespace, name, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("DaemonSet %s: restart requested (%s=%s)", id, restartedAtAnnotation, restartedAt)})
	if !m.Wait.IsNull() && !m.Wait.ValueBool() {
		return
	}
	report, err := rollout.Wait(ctx, a.client.Clientset, namespace, name, rollout.Options{
		CountNotReadyNodes: m.WaitForNotReadyNodes.ValueBool(),
		ProgressInterval:   5 * time.Second,
		Progress: func(r coverage.Report) {
			resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("DaemonSet %s: %s", id, r.Progress(5))})
		},
	})
	warnNotReady(report, &resp.Diagnostics)
	if err != nil {
		addWaitError(&resp.Diagnostics, a.client, id, err, "The pods already restarted keep running; invoke the action again to restart all of them anew.")
		return
	}
	resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf("DaemonSet %s: restarted, %d/%d nodes covered", id, report.Covered, report.Counted)})
}

// restart sets the restart annotation on the template of the DaemonSet namespace/name, which must
// exist, and returns its value.
func (a *rolloutRestartAction) restart(ctx context.Context, namespace, name string, diags *diag.Diagnostics) (string, bool) {
	id := namespace + "/" + name
	restartedAt := time.Now().UTC().Format(time.RFC3339)
	tflog.Info(ctx, "restarting DaemonSet", map[string]any{"daemonset": id, "restarted_at": restartedAt})
	err := daemonset.SetTemplateAnnotation(ctx, a.client.Clientset, namespace, name, restartedAtAnnotation, restartedAt, restartFieldManager)
	if apierrors.IsNotFound(err) {
		diags.AddError(fmt.Sprintf("DaemonSet %s not found", id), "There is no DaemonSet "+id+" to restart. Check namespace and name (or id).")
		return "", false
	}
	if err != nil {
		diags.AddError(fmt.Sprintf("Cannot restart DaemonSet %s", id), a.client.ExplainError(err).Error())
		return "", false
	}
	return restartedAt, true
}
