package provider

import (
	"context"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestAccDaemonSet_missingServiceAccountFailsFast: a template naming a ServiceAccount that does not
// exist fails the apply with the API server's answer as soon as the DaemonSet controller reports
// it (the step's timeout is the default 5 minutes, which a wait that watched only pods would wait
// out with pod_missing); once the ServiceAccount exists, the next apply completes.
func TestAccDaemonSet_missingServiceAccountFailsFast(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent", podSpecExtra: `service_account_name = "kd-missing"`}.String()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(wrapped(`DaemonSet `+ns+`/agent cannot create its pods`) + `(?s).*` + wrapped(`serviceaccount "kd-missing" not found`)),
			},
			{
				// The DaemonSet the failed create left in state, tainted: refresh reads the cause into
				// coverage, and the plan still replaces it.
				RefreshState:       true,
				ExpectNonEmptyPlan: true,
				Check:              resource.TestMatchResourceAttr("kubedaemon_daemonset.test", "coverage.create_failure", regexp.MustCompile(`serviceaccount "kd-missing" not found`)),
			},
			{
				PreConfig: func() { createServiceAccount(t, cs, ns, "kd-missing") },
				Config:    config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("kubedaemon_daemonset.test", plancheck.ResourceActionReplace)},
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("kubedaemon_daemonset.test", "coverage.complete", "true"),
					resource.TestCheckNoResourceAttr("kubedaemon_daemonset.test", "coverage.create_failure"),
					checkEveryNodeRunsCurrentRevision(cs, ns, "agent"),
				),
			},
		},
	})
}

// TestAccNodeAgent_missingPriorityClassFailsFast: the same for a node agent whose PriorityClass does
// not exist.
func TestAccNodeAgent_missingPriorityClassFailsFast(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	class := "kd-missing-" + randomSuffix()
	config := nodeAgentConfig(ns, "agent", testImage, `  priority_class_name = "`+class+`"`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config,
				ExpectError: regexp.MustCompile(wrapped(`DaemonSet `+ns+`/agent cannot create its pods`) + `(?s).*` + wrapped(`no PriorityClass with name `+class+` was found`)),
			},
			{
				PreConfig: func() { createPriorityClass(t, cs, class) },
				Config:    config,
				Check:     resource.TestCheckResourceAttr(nodeAgentAddress, "coverage.complete", "true"),
			},
		},
	})
}

func createServiceAccount(t *testing.T, cs kubernetes.Interface, namespace, name string) {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().ServiceAccounts(namespace).Create(context.Background(), sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// createPriorityClass creates a cluster-wide PriorityClass and deletes it after the test.
func createPriorityClass(t *testing.T, cs kubernetes.Interface, name string) {
	t.Helper()
	pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Value: 1000}
	if _, err := cs.SchedulingV1().PriorityClasses().Create(context.Background(), pc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cs.SchedulingV1().PriorityClasses().Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete PriorityClass %s: %v", name, err)
		}
	})
}
