package provider

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

// testAccProtoV6ProviderFactories serves the provider in-process to acceptance tests.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"kubedaemon": providerserver.NewProtocol6WithError(New("test")()),
}

// testAccPreCheck skips an acceptance test outside acceptance runs (as resource.Test would, but before
// the test's own cluster setup), and stops an acceptance run early when no cluster is named.
func testAccPreCheck(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and KUBE_CONFIG_PATH to run it against a cluster")
	}
	if os.Getenv("KUBE_CONFIG_PATH") == "" && os.Getenv("KUBECONFIG") == "" {
		t.Fatal("acceptance tests need a cluster: set KUBE_CONFIG_PATH (or KUBECONFIG) to its kubeconfig")
	}
}

func providerSchema(t *testing.T) schema.Schema {
	t.Helper()
	var resp provider.SchemaResponse
	New("test")().Schema(context.Background(), provider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Schema: %v", resp.Diagnostics)
	}
	return resp.Schema
}

// isolateProviderEnv clears what kubeclient reads from the environment, so only the configuration
// under test counts.
func isolateProviderEnv(t *testing.T) {
	t.Helper()
	for name := range providerSchema(t).Attributes {
		if env, ok := kubeclient.EnvVar(name); ok {
			t.Setenv(env, "")
		}
	}
	for _, env := range []string{"KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"} {
		t.Setenv(env, "")
	}
	t.Setenv("HOME", t.TempDir())
}

func TestProviderSchema(t *testing.T) {
	ctx := context.Background()
	s := providerSchema(t)
	if diags := s.ValidateImplementation(ctx); diags.HasError() {
		t.Fatalf("ValidateImplementation: %v", diags)
	}

	server, err := testAccProtoV6ProviderFactories["kubedaemon"]()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			t.Errorf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
		}
	}

	for name, attr := range s.Attributes {
		description := attr.GetMarkdownDescription()
		if description == "" {
			t.Errorf("%s has no MarkdownDescription", name)
		}
		env, ok := kubeclient.EnvVar(name)
		if !ok {
			t.Errorf("%s has no environment variable in kubeclient", name)
		} else if !strings.Contains(description, "`"+env+"`") {
			t.Errorf("%s's description does not name %s", name, env)
		}
		wantSensitive := name == "password" || name == "token" || name == "client_key"
		if attr.IsSensitive() != wantSensitive {
			t.Errorf("%s sensitive = %v, want %v", name, attr.IsSensitive(), wantSensitive)
		}
	}
	exec, ok := s.Blocks["exec"].(schema.ListNestedBlock)
	if !ok {
		t.Fatalf("exec is %T, want a list nested block", s.Blocks["exec"])
	}
	for name, attr := range exec.NestedObject.Attributes {
		if attr.GetMarkdownDescription() == "" {
			t.Errorf("exec.%s has no MarkdownDescription", name)
		}
	}
	if !exec.NestedObject.Attributes["env"].IsSensitive() {
		t.Error("exec.env should be sensitive: its values are often credentials")
	}
}

// providerObjectType is the Terraform type of the provider block.
func providerObjectType(t *testing.T) tftypes.Object {
	t.Helper()
	objectType, ok := providerSchema(t).Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema's type is not an object")
	}
	return objectType
}

// configValue builds the provider block's value: every attribute null unless given.
func configValue(t *testing.T, values map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	objectType := providerObjectType(t)
	all := map[string]tftypes.Value{}
	for name, typ := range objectType.AttributeTypes {
		all[name] = tftypes.NewValue(typ, nil)
		if v, ok := values[name]; ok {
			all[name] = v
		}
	}
	for name := range values {
		if _, ok := objectType.AttributeTypes[name]; !ok {
			t.Fatalf("the schema has no %q", name)
		}
	}
	return tftypes.NewValue(objectType, all)
}

func execValue(t *testing.T, command string, env map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	listType, ok := providerObjectType(t).AttributeTypes["exec"].(tftypes.List)
	if !ok {
		t.Fatal("exec is not a list")
	}
	execType, ok := listType.ElementType.(tftypes.Object)
	if !ok {
		t.Fatal("exec's elements are not objects")
	}
	return tftypes.NewValue(listType, []tftypes.Value{tftypes.NewValue(execType, map[string]tftypes.Value{
		"api_version": tftypes.NewValue(tftypes.String, "client.authentication.k8s.io/v1"),
		"command":     tftypes.NewValue(tftypes.String, command),
		"args":        tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "token")}),
		"env":         tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, env),
	})})
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func configure(t *testing.T, raw tftypes.Value, deferralAllowed bool) provider.ConfigureResponse {
	t.Helper()
	req := provider.ConfigureRequest{
		Config:             tfsdk.Config{Schema: providerSchema(t), Raw: raw},
		ClientCapabilities: provider.ConfigureProviderClientCapabilities{DeferralAllowed: deferralAllowed},
	}
	var resp provider.ConfigureResponse
	New("test")().Configure(context.Background(), req, &resp)
	return resp
}

func configuredClient(t *testing.T, resp provider.ConfigureResponse) *kubeclient.Client {
	t.Helper()
	if resp.Diagnostics.HasError() {
		t.Fatalf("Configure: %v", resp.Diagnostics)
	}
	client, ok := resp.ResourceData.(*kubeclient.Client)
	if !ok || resp.DataSourceData != resp.ResourceData {
		t.Fatalf("ResourceData %T, DataSourceData %T: want the same *kubeclient.Client", resp.ResourceData, resp.DataSourceData)
	}
	return client
}

func TestProviderConfigure_hostAndToken(t *testing.T) {
	isolateProviderEnv(t)
	resp := configure(t, configValue(t, map[string]tftypes.Value{
		"host":  str("https://kube.example:6443"),
		"token": str("secret"),
	}), false)
	client := configuredClient(t, resp)
	if client.Host != "https://kube.example:6443" || client.Config.BearerToken != "secret" {
		t.Errorf("host %q token %q", client.Host, client.Config.BearerToken)
	}
	if client.Config.UserAgent != "terraform-provider-kubedaemon/test" {
		t.Errorf("User-Agent %q", client.Config.UserAgent)
	}
	if len(resp.Diagnostics) != 0 {
		t.Errorf("diagnostics %v", resp.Diagnostics)
	}
}

func TestProviderConfigure_kubeconfig(t *testing.T) {
	isolateProviderEnv(t)
	kubeconfig := clientcmdapi.NewConfig()
	for _, name := range []string{"dev", "prod"} {
		kubeconfig.Clusters[name] = &clientcmdapi.Cluster{Server: "https://" + name + ".example"}
		kubeconfig.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: name + "-token"}
		kubeconfig.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	}
	kubeconfig.CurrentContext = "dev"
	file := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*kubeconfig, file); err != nil {
		t.Fatal(err)
	}

	client := configuredClient(t, configure(t, configValue(t, map[string]tftypes.Value{
		"config_paths":   tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str(file)}),
		"config_context": str("prod"),
	}), false))
	if client.Host != "https://prod.example" {
		t.Errorf("host %q, want prod's", client.Host)
	}

	resp := configure(t, configValue(t, map[string]tftypes.Value{
		"config_path":    str(file),
		"config_context": str("staging"),
	}), false)
	wantAttributeError(t, resp.Diagnostics, path.Root("config_context"), `"dev", "prod"`)
}

func TestProviderConfigure_exec(t *testing.T) {
	isolateProviderEnv(t)
	client := configuredClient(t, configure(t, configValue(t, map[string]tftypes.Value{
		"host": str("https://kube.example"),
		"exec": execValue(t, "get-token", map[string]tftypes.Value{"PROFILE": str("prod")}),
	}), false))
	exec := client.Config.ExecProvider
	if exec == nil || exec.Command != "get-token" || len(exec.Args) != 1 || exec.Args[0] != "token" ||
		len(exec.Env) != 1 || exec.Env[0].Name != "PROFILE" || exec.Env[0].Value != "prod" {
		t.Errorf("ExecProvider %+v", exec)
	}
}

func TestProviderConfigure_insecureWarns(t *testing.T) {
	isolateProviderEnv(t)
	resp := configure(t, configValue(t, map[string]tftypes.Value{
		"host":     str("https://kube.example"),
		"insecure": tftypes.NewValue(tftypes.Bool, true),
	}), false)
	configuredClient(t, resp)
	if resp.Diagnostics.WarningsCount() != 1 || !strings.Contains(resp.Diagnostics.Warnings()[0].Summary(), "TLS certificate verification is disabled") {
		t.Errorf("diagnostics %v, want the insecure warning", resp.Diagnostics)
	}
}

func TestProviderConfigure_errors(t *testing.T) {
	isolateProviderEnv(t)
	resp := configure(t, configValue(t, map[string]tftypes.Value{"host": str("ftp://kube.example")}), false)
	wantAttributeError(t, resp.Diagnostics, path.Root("host"), `scheme "ftp"`)

	resp = configure(t, configValue(t, nil), false)
	if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "no Kubernetes configuration found") {
		t.Errorf("diagnostics %v, want the list of places tried", resp.Diagnostics)
	}
	if resp.ResourceData != nil {
		t.Errorf("ResourceData %v after an error", resp.ResourceData)
	}
}

func TestProviderConfigure_unknownValues(t *testing.T) {
	isolateProviderEnv(t)
	raw := configValue(t, map[string]tftypes.Value{
		"host":  tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		"token": str("secret"),
		"exec":  execValue(t, "get-token", map[string]tftypes.Value{"KEY": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}),
	})
	if got := unknownAttributes(raw); strings.Join(got, ",") != "exec,host" {
		t.Errorf("unknownAttributes = %v, want [exec host]", got)
	}

	resp := configure(t, raw, false)
	if len(resp.Diagnostics) != 0 || resp.ResourceData != nil || resp.DataSourceData != nil || resp.Deferred != nil {
		t.Errorf("diagnostics %v, data %v, deferred %v: want nothing yet", resp.Diagnostics, resp.ResourceData, resp.Deferred)
	}
	// What a resource that needs the cluster then reports.
	var diags diag.Diagnostics
	if client := clientFromProviderData(resp.ResourceData, &diags); requireClient(client, &diags) {
		t.Fatal("requireClient accepted a missing client")
	}
	if !diags.HasError() || !strings.Contains(diags.Errors()[0].Detail(), "known only after apply") {
		t.Errorf("diagnostics %v", diags)
	}

	resp = configure(t, raw, true)
	if resp.Deferred == nil || resp.Deferred.Reason != provider.DeferredReasonProviderConfigUnknown {
		t.Errorf("Deferred %v, want ProviderConfigUnknown when Terraform allows deferral", resp.Deferred)
	}
}

func TestProviderValidateConfig(t *testing.T) {
	ctx := context.Background()
	objectType := providerSchema(t).Type().TerraformType(ctx)
	tests := []struct {
		name   string
		values map[string]tftypes.Value
		want   string // "" when the configuration is valid
	}{
		{"valid", map[string]tftypes.Value{"config_path": str("a"), "exec": execValue(t, "a", nil)}, ""},
		{"config_path with config_paths", map[string]tftypes.Value{
			"config_path":  str("a"),
			"config_paths": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str("b")}),
		}, "config_paths"},
		{"two exec blocks", map[string]tftypes.Value{"exec": func() tftypes.Value {
			one := execValue(t, "a", nil)
			var elements []tftypes.Value
			_ = one.As(&elements)
			return tftypes.NewValue(one.Type(), append(elements, elements[0]))
		}()}, "at most 1"},
	}
	server, err := testAccProtoV6ProviderFactories["kubedaemon"]()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config, err := tfprotov6.NewDynamicValue(objectType, configValue(t, tt.values))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: &config})
			if err != nil {
				t.Fatal(err)
			}
			var details []string
			for _, d := range resp.Diagnostics {
				details = append(details, d.Summary+": "+d.Detail)
			}
			switch {
			case tt.want == "" && len(details) > 0:
				t.Errorf("diagnostics %q for a valid configuration", details)
			case !strings.Contains(strings.Join(details, "\n"), tt.want):
				t.Errorf("diagnostics %q, want one about %q", details, tt.want)
			}
		})
	}
}

func TestClientFromProviderData(t *testing.T) {
	var diags diag.Diagnostics
	if clientFromProviderData(nil, &diags) != nil || diags.HasError() {
		t.Errorf("nil data: want nil and no error, got %v", diags)
	}
	client := &kubeclient.Client{Host: "https://kube.example"}
	if clientFromProviderData(client, &diags) != client || !requireClient(client, &diags) || diags.HasError() {
		t.Errorf("client data: %v", diags)
	}
	if clientFromProviderData("not a client", &diags) != nil || !diags.HasError() ||
		!strings.Contains(diags.Errors()[0].Detail(), "got string") {
		t.Errorf("wrong type: %v", diags)
	}
}

func wantAttributeError(t *testing.T, diags diag.Diagnostics, p path.Path, detail string) {
	t.Helper()
	for _, d := range diags.Errors() {
		if withPath, ok := d.(diag.DiagnosticWithPath); ok && withPath.Path().Equal(p) && strings.Contains(d.Detail(), detail) {
			return
		}
	}
	t.Errorf("diagnostics %v, want an error at %s containing %q", diags, p, detail)
}
