package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// listConfig is a list block over the DaemonSets of namespace, for `terraform query`.
func listConfig(namespace, extra string) string {
	return fmt.Sprintf(`
provider "kubedaemon" {}

list "kubedaemon_daemonset" "all" {
  provider         = kubedaemon
  include_resource = true
  config {
    namespace = %q
    %s
  }
}
`, namespace, extra)
}

// TestAccDaemonSetList_query: `terraform query` lists the DaemonSets of a namespace, made by
// kubectl or by this provider, with their identity; a selector narrows the list.
func TestAccDaemonSetList_query(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	foreignTools["kubectl-client-side-apply"](t, cs, fluentdManifest(ns))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{Config: daemonSetConfig{namespace: ns, name: "agent", app: "agent"}.String()},
			{
				Query:  true,
				Config: listConfig(ns, ""),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("kubedaemon_daemonset.all", 2),
					querycheck.ExpectIdentity("kubedaemon_daemonset.all", map[string]knownvalue.Check{
						"namespace": knownvalue.StringExact(ns), "name": knownvalue.StringExact("fluentd"),
					}),
					querycheck.ExpectIdentity("kubedaemon_daemonset.all", map[string]knownvalue.Check{
						"namespace": knownvalue.StringExact(ns), "name": knownvalue.StringExact("agent"),
					}),
				},
			},
			{
				Query:             true,
				Config:            listConfig(ns, `field_selector = "metadata.name=fluentd"`),
				QueryResultChecks: []querycheck.QueryResultCheck{querycheck.ExpectLength("kubedaemon_daemonset.all", 1)},
			},
		},
	})
}

// TestAccDaemonSetList_generateConfig: `terraform query -generate-config-out` over DaemonSets made
// by kubectl and by another configuration of this provider writes import blocks and
// configurations that plan the imports and nothing else.
func TestAccDaemonSetList_generateConfig(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	foreignTools["kubectl-client-side-apply"](t, cs, fluentdManifest(ns))
	other := newTerraformCLI(t, daemonSetConfig{namespace: ns, name: "agent", app: "agent"}.String())
	other.skipBelow("1.14.0")
	other.mustRun("apply", "-auto-approve", "-no-color")

	cli := newTerraformCLI(t, "")
	writeFile(t, filepath.Join(cli.dir, "list.tfquery.hcl"), listConfig(ns, ""))
	cli.mustRun("query", "-generate-config-out=imported.tf", "-no-color")
	generated, err := os.ReadFile(filepath.Join(cli.dir, "imported.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(generated), "import {"); n != 2 {
		t.Errorf("%d import blocks, want 2:\n%s", n, generated)
	}
	out := cli.mustRun("plan", "-no-color")
	if !strings.Contains(out, "2 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the generated configuration does not plan only the imports:\n%s\n%s", out, generated)
	}
}

// TestAccNodeAgentList_generateConfig: `list "kubedaemon_node_agent"` finds the DaemonSets of the
// agent's shape only (a node agent made by another configuration, not the fluentd kubectl made),
// and the configuration generated from it plans the import and nothing else.
func TestAccNodeAgentList_generateConfig(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	foreignTools["kubectl-client-side-apply"](t, cs, fluentdManifest(ns))
	other := newTerraformCLI(t, nodeAgentConfig(ns, "collector", testImage, `  env = { LOG_LEVEL = "info" }`))
	other.skipBelow("1.14.0")
	other.mustRun("apply", "-auto-approve", "-no-color")

	cli := newTerraformCLI(t, "")
	writeFile(t, filepath.Join(cli.dir, "list.tfquery.hcl"), strings.ReplaceAll(listConfig(ns, ""), `"kubedaemon_daemonset"`, `"kubedaemon_node_agent"`))
	cli.mustRun("query", "-generate-config-out=imported.tf", "-no-color")
	generated, err := os.ReadFile(filepath.Join(cli.dir, "imported.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(generated), "import {"); n != 1 || !strings.Contains(string(generated), `"collector"`) {
		t.Errorf("want one import block, of the agent:\n%s", generated)
	}
	out := cli.mustRun("plan", "-no-color")
	if !strings.Contains(out, "1 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the generated configuration does not plan only the import:\n%s\n%s", out, generated)
	}
}
