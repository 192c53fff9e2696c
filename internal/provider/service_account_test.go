package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAccDaemonSet_serviceAccountNameRemoved: a service_account_name taken out of the configuration
// leaves the template, although the API server keeps a copy of it in the deprecated serviceAccount
// field, from which it would otherwise read the name back.
func TestAccDaemonSet_serviceAccountNameRemoved(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	createServiceAccount(t, cs, ns, "reader")
	named := daemonSetConfig{namespace: ns, name: "agent", app: "agent", podSpecExtra: `service_account_name = "reader"`}
	unnamed := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	templateRunsAs := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
			if err != nil {
				return err
			}
			//nolint:staticcheck // the deprecated field is what this test is about
			if got, alias := ds.Spec.Template.Spec.ServiceAccountName, ds.Spec.Template.Spec.DeprecatedServiceAccount; got != want || alias != want {
				return fmt.Errorf("the template names ServiceAccount %q (deprecated field %q), want %q", got, alias, want)
			}
			return nil
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: named.String(), Check: templateRunsAs("reader")},
			{Config: unnamed.String(), Check: resource.ComposeAggregateTestCheckFunc(templateRunsAs(""), checkEveryNodeRunsCurrentRevision(cs, ns, "agent"))},
		},
	})
}
