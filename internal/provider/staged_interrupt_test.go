package provider

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

// TestAccDaemonSet_stagedRolloutResumes interrupts (SIGINT) a staged update during the bake of its
// second wave: the last wave keeps its old pods, the next plan shows an update, and the next apply
// resumes: it does not restart the pods of the first two waves, skips the bake they already had,
// and finishes the last wave.
func TestAccDaemonSet_stagedRolloutResumes(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	pool, _ := stagedPool(t, cs, 6, 2)
	policy := `{
    waves = [
      { node_selector = { pool = "canary" } },
      { count = 2, bake = "10m" },
      {},
    ]
  }`
	cli := newTerraformCLI(t, stagedConfig(ns, pool, testImage, policy, ""))
	cli.mustRun("apply", "-auto-approve", "-no-color")

	list, err := cs.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{LabelSelector: "kd-stage=" + pool})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*corev1.Node
	counted := map[string]bool{}
	for i := range list.Items {
		nodes = append(nodes, &list.Items[i])
		counted[list.Items[i].Name] = true
	}
	assigned := waves.Assign([]waves.Wave{{Selector: labels.SelectorFromSet(labels.Set{"pool": "canary"})}, {Count: 2}, {}}, nodes, counted)

	cli.setConfig(stagedConfig(ns, pool, "registry.k8s.io/pause:3.9", policy, ""))
	apply := cli.applyUntilItWaits()
	var interrupted map[string]nodePod
	waitFor(t, 2*time.Minute, "the first two waves to run the new revision", func() (bool, error) {
		_, newest, err := newestRevision(cs, ns, "staged")
		if err != nil {
			return false, err
		}
		interrupted = podsByNode(t, cs, ns, "app=staged")
		for node, wave := range assigned {
			if p := interrupted[node]; wave < 2 && (p.revision != newest || !p.ready) {
				return false, nil
			}
		}
		return true, nil
	})
	if err := apply.interrupt(); err != nil {
		t.Fatal(err)
	}
	if out, err := apply.wait(); err == nil {
		t.Fatalf("the interrupted update reported success:\n%s", out)
	}
	_, newest, err := newestRevision(cs, ns, "staged")
	if err != nil {
		t.Fatal(err)
	}
	for node, wave := range assigned {
		if wave == 2 && podsByNode(t, cs, ns, "app=staged")[node].revision == newest {
			t.Errorf("node %s of the last wave was updated during the second wave's bake", node)
		}
	}

	// -detailed-exitcode: 2 means the plan has changes.
	out, err := cli.run("plan", "-detailed-exitcode", "-no-color")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(out, "The last rollout did not finish") {
		t.Fatalf("plan after the interrupted update: %v, want an update that resumes the rollout:\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if out, err := cli.command(ctx, "apply", "-auto-approve", "-no-color").CombinedOutput(); err != nil {
		t.Fatalf("the resumed apply: %v\n%s", err, out)
	}
	after := podsByNode(t, cs, ns, "app=staged")
	for node, wave := range assigned {
		if wave < 2 && after[node].uid != interrupted[node].uid {
			t.Errorf("node %s of wave %d was restarted by the resumed apply", node, wave+1)
		}
	}
	if err := allOnNewestRevision(t, cs, ns, "staged", "app=staged", 6); err != nil {
		t.Error(err)
	}
	if out, err := cli.run("plan", "-detailed-exitcode", "-no-color"); err != nil {
		t.Fatalf("plan after the resumed apply: %v, want no changes:\n%s", err, out)
	}
}
