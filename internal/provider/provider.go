// Package provider wires the kubedaemon Terraform provider: its configuration, resources and data
// sources, over the Kubernetes client that internal/kubeclient builds.
package provider

import (
	"context"
	"errors"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	fwlist "github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

var (
	_ provider.Provider                  = (*kubedaemonProvider)(nil)
	_ provider.ProviderWithActions       = (*kubedaemonProvider)(nil)
	_ provider.ProviderWithListResources = (*kubedaemonProvider)(nil)
)

type kubedaemonProvider struct {
	// version is the release version, "dev" for a local build and "test" in acceptance tests.
	version string
}

// New returns the provider factory that providerserver serves.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &kubedaemonProvider{version: version}
	}
}

type providerModel struct {
	ConfigPath            types.String `tfsdk:"config_path"`
	ConfigPaths           types.List   `tfsdk:"config_paths"`
	ConfigContext         types.String `tfsdk:"config_context"`
	ConfigContextAuthInfo types.String `tfsdk:"config_context_auth_info"`
	ConfigContextCluster  types.String `tfsdk:"config_context_cluster"`
	Host                  types.String `tfsdk:"host"`
	Username              types.String `tfsdk:"username"`
	Password              types.String `tfsdk:"password"`
	Token                 types.String `tfsdk:"token"`
	ClusterCACertificate  types.String `tfsdk:"cluster_ca_certificate"`
	ClientCertificate     types.String `tfsdk:"client_certificate"`
	ClientKey             types.String `tfsdk:"client_key"`
	Insecure              types.Bool   `tfsdk:"insecure"`
	TLSServerName         types.String `tfsdk:"tls_server_name"`
	ProxyURL              types.String `tfsdk:"proxy_url"`
	Exec                  types.List   `tfsdk:"exec"`
}

type execModel struct {
	APIVersion types.String `tfsdk:"api_version"`
	Command    types.String `tfsdk:"command"`
	Args       types.List   `tfsdk:"args"`
	Env        types.Map    `tfsdk:"env"`
}

func (p *kubedaemonProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "kubedaemon"
	resp.Version = p.version
}

func (p *kubedaemonProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages Kubernetes DaemonSets and reports, node by node, where they run. " +
			"The cluster is found as with the `hashicorp/kubernetes` provider, through the same arguments and `KUBE_*` " +
			"environment variables: the kubeconfig files of `config_path` or `config_paths`; else, when `host` is set, the " +
			"arguments alone; else the files listed in `KUBECONFIG`, else `~/.kube/config`; else the in-cluster service " +
			"account. An argument set in the configuration wins over its environment variable, and both win over the kubeconfig.",
		Attributes: map[string]schema.Attribute{
			"config_path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path to a kubeconfig file; a leading `~` is expanded and the file must exist. " +
					"Environment variable: `KUBE_CONFIG_PATH`. Conflicts with `config_paths`.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRoot("config_paths")),
				},
			},
			"config_paths": schema.ListAttribute{
				Optional:    true,
				ElementType: types.StringType,
				MarkdownDescription: "Paths to kubeconfig files, merged as `KUBECONFIG` merges them: the first file to set " +
					"a value wins. Every file must exist. Environment variable: `KUBE_CONFIG_PATHS`, the paths separated by " +
					"`:` (`;` on Windows).",
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
				},
			},
			"config_context": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Context of the kubeconfig to use instead of its `current-context`. " +
					"Environment variable: `KUBE_CTX`.",
			},
			"config_context_auth_info": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "User (an entry of the kubeconfig's `users`) to use instead of the context's. " +
					"Environment variable: `KUBE_CTX_AUTH_INFO`.",
			},
			"config_context_cluster": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Cluster (an entry of the kubeconfig's `clusters`) to use instead of the context's. " +
					"Environment variable: `KUBE_CTX_CLUSTER`.",
			},
			"host": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Address of the Kubernetes API server, `https://HOST[:PORT]`; a bare `HOST[:PORT]` means " +
					"HTTPS. Environment variable: `KUBE_HOST`. With `config_path` or `config_paths` it overrides the server " +
					"of the kubeconfig's cluster; without them no kubeconfig is loaded and the arguments alone describe the cluster.",
			},
			"username": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Username for HTTP basic authentication, set together with `password`. Environment variable: `KUBE_USER`.",
			},
			"password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Password for HTTP basic authentication, set together with `username`. Environment variable: `KUBE_PASSWORD`.",
			},
			"token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "Bearer token to authenticate with; it replaces the kubeconfig user's token or token file. " +
					"Environment variable: `KUBE_TOKEN`.",
			},
			"cluster_ca_certificate": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM-encoded CA certificate(s) to verify the API server's certificate with; decode a " +
					"kubeconfig's base64 `certificate-authority-data` with `base64decode()` first. " +
					"Environment variable: `KUBE_CLUSTER_CA_CERT_DATA`.",
			},
			"client_certificate": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM-encoded client certificate for TLS client authentication, set together with " +
					"`client_key`. Environment variable: `KUBE_CLIENT_CERT_DATA`.",
			},
			"client_key": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "PEM-encoded private key of `client_certificate`. Environment variable: `KUBE_CLIENT_KEY_DATA`.",
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip verification of the API server's certificate; defaults to `false`. The provider " +
					"warns whenever verification is off. Cannot be combined with `cluster_ca_certificate`. " +
					"Environment variable: `KUBE_INSECURE`.",
			},
			"tls_server_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Name to verify the API server's certificate against, when it differs from the host " +
					"name the provider connects to. Environment variable: `KUBE_TLS_SERVER_NAME`.",
			},
			"proxy_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Proxy for requests to the API server: an `http://`, `https://` or `socks5://` URL. " +
					"Environment variable: `KUBE_PROXY_URL`.",
			},
		},
		Blocks: map[string]schema.Block{
			"exec": schema.ListNestedBlock{
				MarkdownDescription: "Runs a [client-go credential plugin](https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins) " +
					"for credentials, e.g. `aws eks get-token`; it replaces the kubeconfig user's `exec`. At most one block.",
				Validators: []validator.List{listvalidator.SizeAtMost(1)},
				NestedObject: schema.NestedBlockObject{
					Attributes: map[string]schema.Attribute{
						"api_version": schema.StringAttribute{
							Required: true,
							MarkdownDescription: "API version of the plugin's `ExecCredential`: `client.authentication.k8s.io/v1` " +
								"or `client.authentication.k8s.io/v1beta1`.",
							Validators: []validator.String{stringvalidator.OneOf(
								"client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")},
						},
						"command": schema.StringAttribute{
							Required:            true,
							MarkdownDescription: "Executable to run, a path or a name looked up in `PATH`.",
							Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
						},
						"args": schema.ListAttribute{
							Optional:            true,
							ElementType:         types.StringType,
							MarkdownDescription: "Arguments to pass to the command.",
						},
						"env": schema.MapAttribute{
							Optional:            true,
							Sensitive:           true,
							ElementType:         types.StringType,
							MarkdownDescription: "Environment variables to set for the command, on top of the provider's own.",
						},
					},
				},
			},
		},
	}
}

func (p *kubedaemonProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	if !req.Config.Raw.IsFullyKnown() {
		// Typically the host or credentials of a cluster created in the same run. Leaving the client
		// unset lets plans that do not need the cluster go on; requireClient reports the others.
		tflog.Info(ctx, "Provider configuration not known yet: the Kubernetes client is not built for this run",
			map[string]any{"unknown_attributes": unknownAttributes(req.Config.Raw)})
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
		}
		return
	}

	var data providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &data)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg, diags := data.clientConfig(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	client, err := kubeclient.New(cfg, p.version)
	if err != nil {
		var argErr *kubeclient.ArgumentError
		if errors.As(err, &argErr) {
			resp.Diagnostics.AddAttributeError(path.Root(argErr.Argument), "Invalid Kubernetes configuration", err.Error())
		} else {
			resp.Diagnostics.AddError("Cannot configure the Kubernetes client", err.Error())
		}
		return
	}
	for _, w := range client.Warnings {
		resp.Diagnostics.AddWarning(w.Summary, w.Detail)
	}
	tflog.Info(ctx, "Configured the Kubernetes client", client.LogFields())

	resp.ResourceData = client
	resp.DataSourceData = client
	resp.ActionData = client
	resp.ListResourceData = client
}

// clientConfig copies the known configuration into kubeclient's plain Go form; null stays empty so
// that kubeclient falls back to the environment.
func (m providerModel) clientConfig(ctx context.Context) (kubeclient.Config, diag.Diagnostics) {
	var diags diag.Diagnostics
	cfg := kubeclient.Config{
		ConfigPath:            m.ConfigPath.ValueString(),
		ConfigContext:         m.ConfigContext.ValueString(),
		ConfigContextAuthInfo: m.ConfigContextAuthInfo.ValueString(),
		ConfigContextCluster:  m.ConfigContextCluster.ValueString(),
		Host:                  m.Host.ValueString(),
		Username:              m.Username.ValueString(),
		Password:              m.Password.ValueString(),
		Token:                 m.Token.ValueString(),
		ClusterCACertificate:  m.ClusterCACertificate.ValueString(),
		ClientCertificate:     m.ClientCertificate.ValueString(),
		ClientKey:             m.ClientKey.ValueString(),
		TLSServerName:         m.TLSServerName.ValueString(),
		ProxyURL:              m.ProxyURL.ValueString(),
	}
	if !m.ConfigPaths.IsNull() {
		diags.Append(m.ConfigPaths.ElementsAs(ctx, &cfg.ConfigPaths, false)...)
	}
	if !m.Insecure.IsNull() {
		insecure := m.Insecure.ValueBool()
		cfg.Insecure = &insecure
	}
	var execs []execModel
	if !m.Exec.IsNull() {
		diags.Append(m.Exec.ElementsAs(ctx, &execs, false)...)
	}
	if len(execs) > 0 {
		e := execs[0]
		cfg.Exec = &kubeclient.ExecConfig{APIVersion: e.APIVersion.ValueString(), Command: e.Command.ValueString()}
		if !e.Args.IsNull() {
			diags.Append(e.Args.ElementsAs(ctx, &cfg.Exec.Args, false)...)
		}
		if !e.Env.IsNull() {
			diags.Append(e.Env.ElementsAs(ctx, &cfg.Exec.Env, false)...)
		}
	}
	return cfg, diags
}

// unknownAttributes names the top-level arguments and blocks whose values are not known yet, for logs.
func unknownAttributes(config tftypes.Value) []string {
	var names []string
	// The callback never fails, so neither does Walk.
	_ = tftypes.Walk(config, func(p *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if v.IsKnown() {
			return true, nil
		}
		name := "(the whole provider configuration)"
		if steps := p.Steps(); len(steps) > 0 {
			if attr, ok := steps[0].(tftypes.AttributeName); ok {
				name = string(attr)
			}
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		return false, nil
	})
	slices.Sort(names)
	return names
}

func (p *kubedaemonProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewDaemonSetResource, NewNodeAgentResource}
}

func (p *kubedaemonProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewCoverageDataSource}
}

func (p *kubedaemonProvider) ListResources(_ context.Context) []func() fwlist.ListResource {
	return []func() fwlist.ListResource{NewDaemonSetListResource, NewNodeAgentListResource}
}

func (p *kubedaemonProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{NewRolloutRestartAction}
}
