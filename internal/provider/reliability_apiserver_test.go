//go:build unix

package provider

import (
	"context"
	"os"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kwoktest"
)

// TestAccDaemonSet_apiServerRestartDuringApply kills the local kwokctl cluster's kube-apiserver as
// soon as `terraform apply` has created the DaemonSet, and starts it again while the provider waits:
// min_ready_seconds keeps the rollout from completing before the API server is back, and before
// the test has seen it back (a restart on a busy machine has taken over 10 s, after which a
// 10 s min_ready_seconds let the apply finish first). The apply must
// succeed, and every node run a Ready pod of the DaemonSet. How the wait itself rides out the
// outage is tested in internal/rollout (TestAccWait_apiServerRestart).
func TestAccDaemonSet_apiServerRestartDuringApply(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBE_CONFIG_PATH"))
	if err != nil {
		t.Fatal(err)
	}
	cluster := kwoktest.Find(t, cfg)
	ns := testAccNamespace(t, cs)
	cli := newTerraformCLI(t, withMinReadySeconds(daemonSetConfig{namespace: ns, name: "agent", app: "agent"}.String(), 30))

	apply := cli.start(nil, "apply", "-auto-approve", "-no-color")
	waitFor(t, 2*time.Minute, "the apply to create the DaemonSet", func() (bool, error) {
		_, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	killed := cluster.KillAPIServer(t)
	restarted := cluster.Start(t)
	if apply.exited() {
		out, err := apply.wait()
		t.Fatalf("terraform apply returned during the outage (%v):\n%s", err, out)
	}
	t.Logf("kube-apiserver of cluster %s down for %v", cluster.Name, restarted.Sub(killed).Round(time.Millisecond))
	if out, err := apply.wait(); err != nil {
		t.Fatalf("terraform apply failed after the API server came back: %v\n%s", err, out)
	}
	t.Logf("terraform apply returned %v after the API server came back", time.Since(restarted).Round(time.Millisecond))
	if err := checkEveryNodeRunsCurrentRevision(cs, ns, "agent")(nil); err != nil {
		t.Error(err)
	}
}
