package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Faults that an apply must survive or report truthfully. Covered elsewhere: drift by another field
// manager (TestAccDaemonSet_driftFromAnotherManager), a create whose wait times out is tainted and
// replaced (TestAccDaemonSet_createTimeoutTaints), and the API server restarting or closing and
// expiring watches during a wait (internal/rollout, reliability_*_test.go).

// withMinReadySeconds adds min_ready_seconds to a rendered daemonSetConfig: it keeps each node's
// rollout, and so the wait, open for that long after the pod is Ready.
func withMinReadySeconds(config string, seconds int) string {
	return regexp.MustCompile(`(?m)^    template = \{`).ReplaceAllString(config, fmt.Sprintf("    min_ready_seconds = %d\n    template = {", seconds))
}

// TestAccDaemonSet_interruptDuringWait interrupts `terraform apply` (as Ctrl-C does) while the
// provider waits for pods that never become Ready: Terraform must exit within 2 s, and the state it
// leaves must hold the DaemonSet that exists in the cluster, so that nothing is orphaned.
func TestAccDaemonSet_interruptDuringWait(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent",
		containerExtra: `readiness_probe = { exec = { command = ["/bin/false"] } }`}
	cli := newTerraformCLI(t, config.String())

	apply := cli.applyUntilItWaits()
	interrupted := time.Now()
	if err := apply.interrupt(); err != nil {
		t.Fatal(err)
	}
	out, err := apply.wait()
	took := time.Since(interrupted)
	t.Logf("terraform apply exited %v after the interrupt (%v):\n%s", took.Round(time.Millisecond), err, out)
	if took > 2*time.Second {
		t.Errorf("terraform apply took %v to exit after the interrupt, want at most 2s", took)
	}
	if err == nil {
		t.Error("the interrupted apply reported success")
	}

	ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if list := cli.mustRun("state", "list"); !strings.Contains(list, daemonSetAddress) {
		t.Fatalf("terraform state list after the interrupt does not name %s:\n%s", daemonSetAddress, list)
	}
	state := stateResources(t, cli)
	saved, ok := state[daemonSetAddress]
	if !ok {
		t.Fatalf("the state holds no %s", daemonSetAddress)
	}
	if saved.Values["uid"] != string(ds.UID) {
		t.Errorf("the state holds uid %v, the cluster's DaemonSet has %s", saved.Values["uid"], ds.UID)
	}
	// Like any create that ends in an error, it is tainted: the next apply replaces it.
	if !saved.Tainted {
		t.Error("the DaemonSet whose create was interrupted is not tainted in state")
	}
}

// stateResource is the part of `terraform show -json` these tests read.
type stateResource struct {
	Address string         `json:"address"`
	Tainted bool           `json:"tainted"`
	Values  map[string]any `json:"values"`
}

// stateResources returns the root module's resources in the CLI's state, by address.
func stateResources(t *testing.T, cli *terraformCLI) map[string]stateResource {
	t.Helper()
	var shown struct {
		Values struct {
			RootModule struct {
				Resources []stateResource `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(cli.mustRun("show", "-json")), &shown); err != nil {
		t.Fatal(err)
	}
	out := map[string]stateResource{}
	for _, r := range shown.Values.RootModule.Resources {
		out[r.Address] = r
	}
	return out
}

// TestAccDaemonSet_nodeNotReadyDuringRollout makes one of the two nodes a DaemonSet runs on NotReady
// while an update rolls out: the apply must complete over the counted node, warn about the other
// by name, and report it as eligible but not counted.
func TestAccDaemonSet_nodeNotReadyDuringRollout(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool := map[string]string{"kubedaemon.test/pool": "pool-" + randomSuffix()}
	stays := testAccNode(t, cs, "kd-stays", testNode{labels: pool})
	fails := testAccNode(t, cs, "kd-fails", testNode{labels: pool})
	render := func(image string) string {
		config := daemonSetConfig{namespace: ns, name: "agent", app: "agent", image: image,
			podSpecExtra: fmt.Sprintf("node_selector = { %q = %q }", "kubedaemon.test/pool", pool["kubedaemon.test/pool"])}
		// The rolling update replaces one node's pod at a time and waits min_ready_seconds after each:
		// the update lasts well beyond the moment the node fails.
		return withMinReadySeconds(config.String(), 10) + `
output "coverage" {
  value = kubedaemon_daemonset.test.coverage
}
output "nodes" {
  value = data.kubedaemon_coverage.test.nodes
}
`
	}
	cli := newTerraformCLI(t, render(testImage))
	cli.mustRun("apply", "-auto-approve", "-no-color")

	rewrite(t, filepath.Join(cli.dir, "main.tf"), fmt.Sprintf("image = %q", testImage), fmt.Sprintf("image = %q", "registry.k8s.io/pause:3.9"))
	update := cli.start(nil, "apply", "-auto-approve", "-no-color")
	waitFor(t, 2*time.Minute, "the update to reach the DaemonSet", func() (bool, error) {
		ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
		return err == nil && ds.Generation == 2, err
	})
	patch := []byte(`{"metadata":{"labels":{"node-not-ready.stage.kwok.x-k8s.io":"true"}}}`)
	if _, err := cs.CoreV1().Nodes().Patch(context.Background(), fails, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	failed := time.Now()
	out, err := update.wait()
	if err != nil {
		t.Fatalf("the update failed: %v\n%s", err, out)
	}
	t.Logf("the update returned %v after node %s was made NotReady:\n%s", time.Since(failed).Round(time.Millisecond), fails, out)
	if !regexp.MustCompile(`(?s)Warning: Eligible nodes are not Ready.*` + regexp.QuoteMeta(fails)).MatchString(out) {
		t.Errorf("the update did not warn that node %s is not Ready", fails)
	}

	var coverage struct{ Eligible, Counted, Covered int }
	if err := json.Unmarshal([]byte(cli.mustRun("output", "-json", "coverage")), &coverage); err != nil {
		t.Fatal(err)
	}
	if coverage.Eligible != 2 || coverage.Counted != 1 || coverage.Covered != 1 {
		t.Errorf("coverage %+v, want 2 eligible, 1 counted, 1 covered", coverage)
	}
	var nodes []struct {
		Name            string  `json:"name"`
		NodeReady       bool    `json:"node_ready"`
		Counted         bool    `json:"counted"`
		Covered         bool    `json:"covered"`
		CurrentRevision bool    `json:"current_revision"`
		Reason          *string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(cli.mustRun("output", "-json", "nodes")), &nodes); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, n := range nodes {
		switch n.Name {
		case stays:
			seen++
			if !n.Counted || !n.Covered || !n.CurrentRevision {
				t.Errorf("node %s: counted %v, covered %v, current revision %v; want all true", stays, n.Counted, n.Covered, n.CurrentRevision)
			}
		case fails:
			seen++
			if n.NodeReady || n.Counted || n.Reason == nil || *n.Reason != "node_not_ready" {
				t.Errorf("node %s: ready %v, counted %v, reason %v; want not ready, not counted, node_not_ready", fails, n.NodeReady, n.Counted, n.Reason)
			}
		}
	}
	if seen != 2 {
		t.Errorf("the coverage report lists %d of the nodes %s and %s", seen, stays, fails)
	}
}

// TestAccDaemonSet_deletedOutOfBand deletes the DaemonSet behind Terraform's back: the next plan must
// propose to create it, with no error, and the apply must bring it back on every node.
func TestAccDaemonSet_deletedOutOfBand(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	var deleted types.UID

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config.String(),
		}, {
			PreConfig: func() {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				deleted = ds.UID
				if err := cs.AppsV1().DaemonSets(ns).Delete(context.Background(), "agent", metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
				waitFor(t, time.Minute, "the DaemonSet to be gone", func() (bool, error) {
					_, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
					if apierrors.IsNotFound(err) {
						return true, nil
					}
					return false, err
				})
			},
			Config: config.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionCreate)},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkEveryNodeRunsCurrentRevision(cs, ns, "agent"),
				func(*terraform.State) error {
					ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
					if err == nil && ds.UID == deleted {
						return fmt.Errorf("the DaemonSet still has the uid %s of the deleted one", deleted)
					}
					return err
				},
			),
		}},
	})
}

// TestAccDaemonSet_replacementLeavesNothingOrphaned: a create whose wait times out leaves a tainted
// DaemonSet (TestAccDaemonSet_createTimeoutTaints); once the next apply has replaced it, the
// namespace must hold only the new DaemonSet, and neither a pod nor a ControllerRevision of the old.
func TestAccDaemonSet_replacementLeavesNothingOrphaned(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	neverPulls := daemonSetConfig{namespace: ns, name: "agent", app: "agent", image: "registry.invalid/agent:1",
		resourceExtra: `timeouts = { create = "10s" }`}
	good := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	var tainted types.UID

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      neverPulls.String(),
			ExpectError: regexp.MustCompile(`(?s)did not cover every node.*image_pull`),
		}, {
			PreConfig: func() {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
				if err != nil {
					t.Fatalf("the DaemonSet of the failed create is not in the cluster: %v", err)
				}
				tainted = ds.UID
			},
			Config: good.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: func(*terraform.State) error { return nothingLeftOf(cs, ns, tainted) },
		}},
	})
}

// nothingLeftOf checks that namespace holds exactly one DaemonSet, not the one with uid old, and no
// pod or ControllerRevision that old owns.
func nothingLeftOf(cs kubernetes.Interface, namespace string, old types.UID) error {
	ctx := context.Background()
	daemonSets, err := cs.AppsV1().DaemonSets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	if len(daemonSets.Items) != 1 || daemonSets.Items[0].UID == old {
		var uids []types.UID
		for _, ds := range daemonSets.Items {
			uids = append(uids, ds.UID)
		}
		return fmt.Errorf("namespace %s holds DaemonSets %v, want one that is not %s", namespace, uids, old)
	}
	ownedByOld := func(refs []metav1.OwnerReference) bool {
		return slices.ContainsFunc(refs, func(ref metav1.OwnerReference) bool { return ref.UID == old })
	}
	pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, pod := range pods.Items {
		if ownedByOld(pod.OwnerReferences) {
			return fmt.Errorf("pod %s of the replaced DaemonSet remains", pod.Name)
		}
	}
	revisions, err := cs.AppsV1().ControllerRevisions(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, rev := range revisions.Items {
		if ownedByOld(rev.OwnerReferences) {
			return fmt.Errorf("ControllerRevision %s of the replaced DaemonSet remains", rev.Name)
		}
	}
	return nil
}

// TestAccDaemonSet_interruptedUpdateIsResumed interrupts an update while it waits for pods that
// never become Ready: the next plan with the same configuration is not empty (the rollout is not
// forgotten), and once the configuration is fixed an apply finishes it and plans are empty again.
// With on_failure = "rollback" the interrupt does not roll back: the user stopped the apply.
func TestAccDaemonSet_interruptedUpdateIsResumed(t *testing.T) {
	skipUnlessAcc(t)
	t.Run("halt", func(t *testing.T) { testInterruptedUpdateIsResumed(t, "") })
	t.Run("rollback", func(t *testing.T) { testInterruptedUpdateIsResumed(t, rollbackPolicy) })
}

func testInterruptedUpdateIsResumed(t *testing.T, policy string) {
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	good := daemonSetConfig{namespace: ns, name: "agent", app: "agent", resourceExtra: policy}
	bad := good
	bad.containerExtra = `readiness_probe = { exec = { command = ["/bin/false"] } }`
	cli := newTerraformCLI(t, good.String())
	cli.mustRun("apply", "-auto-approve", "-no-color")

	cli.setConfig(bad.String())
	apply := cli.applyUntilItWaits()
	if err := apply.interrupt(); err != nil {
		t.Fatal(err)
	}
	if out, err := apply.wait(); err == nil {
		t.Fatalf("the interrupted update reported success:\n%s", out)
	} else if strings.Contains(out, "rolled back") {
		t.Fatalf("the interrupted update rolled back:\n%s", out)
	}
	ds, err := cs.AppsV1().DaemonSets(ns).Get(t.Context(), "agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Spec.Template.Spec.Containers[0].ReadinessProbe == nil {
		t.Fatal("after the interrupt the DaemonSet is back on the first template: nothing may undo an update the user stopped")
	}

	// -detailed-exitcode: 2 means the plan has changes.
	out, err := cli.run("plan", "-detailed-exitcode", "-no-color")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("plan after the interrupted update: %v, want exit code 2 (an update that resumes the rollout):\n%s", err, out)
	}
	if !strings.Contains(out, "The last rollout did not finish") {
		t.Errorf("the plan does not say why it updates:\n%s", out)
	}

	cli.setConfig(good.String())
	cli.mustRun("apply", "-auto-approve", "-no-color")
	if out, err := cli.run("plan", "-detailed-exitcode", "-no-color"); err != nil {
		t.Fatalf("plan after the fixed apply: %v, want no changes:\n%s", err, out)
	}
	if err := checkEveryNodeRunsCurrentRevision(cs, ns, "agent")(nil); err != nil {
		t.Error(err)
	}
}

// TestAccDaemonSet_onDeleteWarnsAboutOldPods: under the OnDelete strategy an update completes with
// the old pods still covering their nodes, and says so, naming the nodes.
func TestAccDaemonSet_onDeleteWarnsAboutOldPods(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := func(image string) string {
		c := daemonSetConfig{namespace: ns, name: "agent", app: "agent", image: image, specExtra: `update_strategy = { type = "OnDelete" }`}
		return c.String()
	}
	cli := newTerraformCLI(t, config(testImage))
	if out := cli.mustRun("apply", "-auto-approve", "-no-color"); strings.Contains(out, "older revision") {
		t.Errorf("the create warns about old revisions:\n%s", out)
	}
	cli.setConfig(config("registry.k8s.io/pause:3.9"))
	out := cli.mustRun("apply", "-auto-approve", "-no-color")
	if !regexp.MustCompile(`(?s)Nodes still run an older revision.*OnDelete.*node-`).MatchString(out) {
		t.Errorf("the update under OnDelete does not name the nodes left on the old revision:\n%s", out)
	}
}
