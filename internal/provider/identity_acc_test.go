package provider

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// TestAccIdentity: under Terraform 1.12 and later both resources record their identity, and an
// import block that names the object by that identity plans no change.
func TestAccIdentity(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	for _, tc := range []struct{ name, address, config string }{
		{"daemonset", daemonSetAddress, daemonSetConfig{namespace: ns, name: "agent", app: "agent"}.String()},
		{"node agent", nodeAgentAddress, nodeAgentConfig(ns, "node-agent", testImage, "")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "agent"
			if tc.address == nodeAgentAddress {
				name = "node-agent"
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
				Steps: []resource.TestStep{
					{
						Config: tc.config,
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectIdentity(tc.address, map[string]knownvalue.Check{
								"namespace": knownvalue.StringExact(ns),
								"name":      knownvalue.StringExact(name),
							}),
						},
					},
					{
						Config:          tc.config,
						ResourceName:    tc.address,
						ImportState:     true,
						ImportStateKind: resource.ImportBlockWithResourceIdentity,
					},
				},
			})
		})
	}
}

// skipBelow skips the test when the CLI is older than minimum (e.g. "1.12.0").
func (c *terraformCLI) skipBelow(minimum string) {
	c.t.Helper()
	if terraformOlderThan(c.t, c.terraform, minimum) {
		c.t.Skipf("needs Terraform %s or later", minimum)
	}
}

// terraformOlderThan says whether the CLI at terraformPath is older than minimum.
func terraformOlderThan(t *testing.T, terraformPath, minimum string) bool {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), terraformPath, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version -json: %v", terraformPath, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("terraform version -json: %v\n%s", err, out)
	}
	return version.Must(version.NewVersion(v.Version)).LessThan(version.Must(version.NewVersion(minimum)))
}
