package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// restartAction is an action block that restarts the DaemonSet the config line names.
func restartAction(config string) string {
	return fmt.Sprintf("\naction \"kubedaemon_rollout_restart\" \"agent\" {\n  config {\n    %s\n  }\n}\n", config)
}

// livePodNodes maps the UIDs of the pods the selector matches that are not being deleted to their node.
func livePodNodes(t *testing.T, cs kubernetes.Interface, namespace, selector string) map[string]string {
	t.Helper()
	pods, err := cs.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out[string(p.UID)] = p.Spec.NodeName
		}
	}
	return out
}

// checkRestarted says whether every node runs a pod that was not there before, and that the
// restart annotation is owned by the action's field manager alone.
func checkRestarted(t *testing.T, cs kubernetes.Interface, namespace, name, selector string, before map[string]string) {
	t.Helper()
	after := livePodNodes(t, cs, namespace, selector)
	for uid, node := range after {
		if _, old := before[uid]; old {
			t.Errorf("pod %s on %s was not restarted", uid, node)
		}
	}
	if len(after) == 0 {
		t.Error("no pods after the restart")
	}
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Spec.Template.Annotations[restartedAtAnnotation] == "" {
		t.Errorf("the template has no %s annotation", restartedAtAnnotation)
	}
	if !slices.ContainsFunc(ds.ManagedFields, func(e metav1.ManagedFieldsEntry) bool {
		return e.Manager == restartFieldManager && strings.Contains(e.FieldsV1.GetRawString(), restartedAtAnnotation)
	}) {
		t.Errorf("the annotation is not owned by %s: %v", restartFieldManager, slices.Collect(maps.Keys(managers(ds))))
	}
	if err := checkEveryNodeRunsCurrentRevision(cs, namespace, name)(nil); err != nil {
		t.Error(err)
	}
}

func managers(ds *appsv1.DaemonSet) map[string]bool {
	out := map[string]bool{}
	for _, e := range ds.ManagedFields {
		out[e.Manager] = true
	}
	return out
}

// TestAccRolloutRestart_invoke: `terraform apply -invoke` restarts every pod of a DaemonSet the
// configuration manages, reports progress, and leaves the resource's plan empty.
func TestAccRolloutRestart_invoke(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}.String() + restartAction("id = kubedaemon_daemonset.test.id")
	cli := newTerraformCLI(t, config)
	cli.skipBelow("1.14.0")
	cli.mustRun("apply", "-auto-approve", "-no-color")
	before := livePodNodes(t, cs, ns, "app=agent")

	out := cli.mustRun("apply", "-auto-approve", "-no-color", "-invoke=action.kubedaemon_rollout_restart.agent")
	if !strings.Contains(out, "restart requested") || !strings.Contains(out, "nodes covered") {
		t.Errorf("the invocation reports no progress:\n%s", out)
	}
	checkRestarted(t, cs, ns, "agent", "app=agent", before)
	if out, err := cli.run("plan", "-detailed-exitcode", "-no-color"); err != nil {
		t.Fatalf("plan after the restart: %v, want no changes:\n%s", err, out)
	}
}

// TestAccRolloutRestart_trigger: an action_trigger restarts a node agent when another resource
// changes (a ConfigMap's content, here a terraform_data input).
func TestAccRolloutRestart_trigger(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := func(content string) string {
		return nodeAgentConfig(ns, "collector", testImage, "") + fmt.Sprintf(`
resource "terraform_data" "config" {
  input = %q
  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.kubedaemon_rollout_restart.agent]
    }
  }
}
`, content) + restartAction("namespace = kubedaemon_node_agent.test.namespace\n    name      = kubedaemon_node_agent.test.daemonset_name")
	}
	cli := newTerraformCLI(t, config("v1"))
	cli.skipBelow("1.14.0")
	cli.mustRun("apply", "-auto-approve", "-no-color")
	selector := agentSelector("collector")
	before := livePodNodes(t, cs, ns, selector)

	cli.setConfig(config("v2"))
	cli.mustRun("apply", "-auto-approve", "-no-color")
	checkRestarted(t, cs, ns, "collector", selector, before)
	if out, err := cli.run("plan", "-detailed-exitcode", "-no-color"); err != nil {
		t.Fatalf("plan after the restart: %v, want no changes:\n%s", err, out)
	}
}

// TestAccRolloutRestart_unmanagedAndBadInput: a DaemonSet Terraform does not manage is restarted by
// name; a missing one, and a bad timeout or id, get clear errors.
func TestAccRolloutRestart_unmanagedAndBadInput(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	labels := map[string]string{"app": "unmanaged"}
	if _, err := cs.AppsV1().DaemonSets(ns).Create(context.Background(), &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "unmanaged"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: testImage}}},
			},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Minute, "the unmanaged DaemonSet's pods", podsRunning(cs, ns, "app=unmanaged", readyUntaintedNodes(t, cs)))
	before := livePodNodes(t, cs, ns, "app=unmanaged")

	cli := newTerraformCLI(t, restartAction(fmt.Sprintf("namespace = %q\n    name = \"unmanaged\"\n    timeout = \"5m\"", ns)))
	cli.skipBelow("1.14.0")
	cli.mustRun("apply", "-auto-approve", "-no-color", "-invoke=action.kubedaemon_rollout_restart.agent")
	checkRestarted(t, cs, ns, "unmanaged", "app=unmanaged", before)

	// Credentials of the documented ClusterRole without patch on DaemonSets may read the DaemonSet
	// but not restart it: the error names the rule.
	rules := exampleClusterRole(t).Rules
	for i, r := range rules {
		if slices.Contains(r.Resources, "daemonsets") {
			rules[i].Verbs = slices.DeleteFunc(slices.Clone(r.Verbs), func(v string) bool { return v == "patch" })
		}
	}
	kubeconfig := serviceAccountCredentials(t, cs, ns, rules).kubeconfig(t)
	requireRBAC(t, kubeconfig)
	denied := newTerraformCLI(t, restartAction(fmt.Sprintf("namespace = %q\n    name = \"unmanaged\"", ns)), "KUBE_CONFIG_PATH="+kubeconfig)
	out, err := denied.run("apply", "-auto-approve", "-no-color", "-invoke=action.kubedaemon_rollout_restart.agent")
	if want := `cannot patch resource "daemonsets"`; err == nil || !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
		t.Errorf("without patch on daemonsets: got %v, want an error saying %q:\n%s", err, want, out)
	}

	for _, tc := range []struct{ config, want string }{
		{fmt.Sprintf("namespace = %q\n    name = \"missing\"", ns), "DaemonSet " + ns + "/missing not found"},
		{`name = "unmanaged"` + "\n    timeout = \"-1m\"", "Invalid timeout"},
		{`id = "unmanaged"`, "Expected an import ID of the form namespace/name"},
		{`timeout = "1m"`, "Missing DaemonSet"},
	} {
		cli.setConfig(restartAction(tc.config))
		out, err := cli.run("apply", "-auto-approve", "-no-color", "-invoke=action.kubedaemon_rollout_restart.agent")
		if err == nil || !strings.Contains(strings.Join(strings.Fields(out), " "), tc.want) {
			t.Errorf("%s: got %v, want an error saying %q:\n%s", tc.config, err, tc.want, out)
		}
	}

	// A restart while another apply drives the rollout waits its turn: refused, naming that apply.
	release, err := daemonset.Lock(t.Context(), cs, ns, "unmanaged", "", "another runner", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	cli.setConfig(restartAction(fmt.Sprintf("namespace = %q\n    name = \"unmanaged\"", ns)))
	out, err = cli.run("apply", "-auto-approve", "-no-color", "-invoke=action.kubedaemon_rollout_restart.agent")
	if want := "being rolled out by another apply (another runner"; err == nil || !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
		t.Errorf("while locked: got %v, want an error saying %q:\n%s", err, want, out)
	}
}
