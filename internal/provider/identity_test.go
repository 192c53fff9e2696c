package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var identityType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{"namespace": tftypes.String, "name": tftypes.String}}

// importByIdentity sends the ImportResourceState call Terraform 1.12+ makes for an import block
// with an identity, through the provider's real protocol server.
func importByIdentity(t *testing.T, typeName, namespace, name string) *tfprotov6.ImportResourceStateResponse {
	t.Helper()
	server, err := testAccProtoV6ProviderFactories["kubedaemon"]()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	identity, err := tfprotov6.NewDynamicValue(identityType, tftypes.NewValue(identityType, map[string]tftypes.Value{
		"namespace": tftypes.NewValue(tftypes.String, namespace),
		"name":      tftypes.NewValue(tftypes.String, name),
	}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{
		TypeName: typeName,
		Identity: &tfprotov6.ResourceIdentityData{IdentityData: &identity},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestDaemonSetImportByIdentity(t *testing.T) {
	resp := importByIdentity(t, "kubedaemon_daemonset", "monitoring", "node-exporter")
	attrs := importedAttributes(t, resp, "kubedaemon_daemonset")
	assertImportedID(t, attrs, "monitoring/node-exporter")
	var metadata map[string]tftypes.Value
	if err := attrs["metadata"].As(&metadata); err != nil {
		t.Fatal(err)
	}
	var name, namespace string
	_ = metadata["name"].As(&name)
	_ = metadata["namespace"].As(&namespace)
	if name != "node-exporter" || namespace != "monitoring" {
		t.Errorf("metadata = %s/%s, want monitoring/node-exporter", namespace, name)
	}
}

func TestDaemonSetImportByIdentity_missingName(t *testing.T) {
	resp := importByIdentity(t, "kubedaemon_daemonset", "monitoring", "")
	if len(resp.Diagnostics) == 0 || !strings.Contains(resp.Diagnostics[0].Detail, "namespace and name are required") {
		t.Fatalf("diagnostics = %v, want the missing-name error", resp.Diagnostics)
	}
}

func TestNodeAgentImportByIdentity(t *testing.T) {
	resp := importByIdentity(t, "kubedaemon_node_agent", "logging", "log-collector")
	assertImportedID(t, importedAttributes(t, resp, "kubedaemon_node_agent"), "logging/log-collector")
}

func assertImportedID(t *testing.T, attrs map[string]tftypes.Value, want string) {
	t.Helper()
	var id string
	if err := attrs["id"].As(&id); err != nil || id != want {
		t.Errorf("id = %q (%v), want %s", id, err, want)
	}
}

// importedAttributes decodes the single resource an import returned, with the type from the
// provider's own schema; any diagnostic fails the test.
func importedAttributes(t *testing.T, resp *tfprotov6.ImportResourceStateResponse, typeName string) map[string]tftypes.Value {
	t.Helper()
	for _, d := range resp.Diagnostics {
		t.Fatalf("unexpected diagnostic: %s: %s", d.Summary, d.Detail)
	}
	if len(resp.ImportedResources) != 1 {
		t.Fatalf("imported %d resources, want 1", len(resp.ImportedResources))
	}
	server, err := testAccProtoV6ProviderFactories["kubedaemon"]()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	state, err := resp.ImportedResources[0].State.Unmarshal(schemas.ResourceSchemas[typeName].ValueType())
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	return attrs
}
