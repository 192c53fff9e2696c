package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	resourceapi "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// expectChange is a plan check that the attribute at p of the resource changes from before to
// after: drift shows what the cluster holds now, not a null.
func expectChange(address string, p tfjsonpath.Path, before, after any) plancheck.PlanCheck {
	return changeCheck{address, p, before, after}
}

type changeCheck struct {
	address       string
	path          tfjsonpath.Path
	before, after any
}

func (c changeCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.address {
			continue
		}
		before, errBefore := tfjsonpath.Traverse(rc.Change.Before, c.path)
		after, errAfter := tfjsonpath.Traverse(rc.Change.After, c.path)
		if errBefore != nil || errAfter != nil || before != c.before || after != c.after {
			resp.Error = fmt.Errorf("%s %s: planned %v -> %v (%v, %v), want %v -> %v", c.address, c.path, before, after, errBefore, errAfter, c.before, c.after)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", c.address)
}

// fluentdManifest is a log collector as a team would have written it for kubectl: tolerations,
// resources, a hostPath volume mounted read-only, a zero minReadySeconds and hostNetwork false.
func fluentdManifest(namespace string) *appsv1.DaemonSet {
	labels := map[string]string{"app": "fluentd"}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "fluentd", Namespace: namespace, Labels: map[string]string{"team": "logging"}},
		Spec: appsv1.DaemonSetSpec{
			Selector:        &metav1.LabelSelector{MatchLabels: labels},
			MinReadySeconds: 2,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Tolerations: []corev1.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
					Containers: []corev1.Container{{
						Name:  "fluentd",
						Image: testImage,
						Resources: corev1.ResourceRequirements{
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resourceapi.MustParse("200Mi")},
							Requests: corev1.ResourceList{corev1.ResourceCPU: resourceapi.MustParse("100m"), corev1.ResourceMemory: resourceapi.MustParse("200Mi")},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "varlog", MountPath: "/var/log", ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{Name: "varlog", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}}},
				},
			},
		},
	}
}

// fluentdConfig is the same DaemonSet as a kubedaemon_daemonset, with an import block; extra goes
// into spec (to change or drop a field), labels into metadata.
func fluentdConfig(namespace, labels, minReady string) string {
	return fmt.Sprintf(`
import {
  to = kubedaemon_daemonset.test
  id = "%[1]s/fluentd"
}

resource "kubedaemon_daemonset" "test" {
  metadata = {
    name      = "fluentd"
    namespace = %[1]q
    labels    = { %[2]s }
  }
  spec = {
    selector = { match_labels = { app = "fluentd" } }
    %[3]s
    template = {
      metadata = { labels = { app = "fluentd" } }
      spec = {
        tolerations = [{ key = "node-role.kubernetes.io/control-plane", operator = "Exists", effect = "NoSchedule" }]
        containers = [{
          name  = "fluentd"
          image = %[4]q
          resources = {
            limits   = { memory = "200Mi" }
            requests = { cpu = "100m", memory = "200Mi" }
          }
          volume_mounts = [{ name = "varlog", mount_path = "/var/log", read_only = true }]
        }]
        volumes = [{ name = "varlog", host_path = { path = "/var/log" } }]
      }
    }
  }
}
`, namespace, labels, minReady, testImage)
}

// kubectl runs kubectl against the test cluster with the manifest on stdin.
func kubectl(t *testing.T, manifest any, args ...string) {
	t.Helper()
	raw, err := json.Marshal(manifest)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("kubectl", append([]string{"--kubeconfig", os.Getenv("KUBE_CONFIG_PATH"), "-f", path}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// foreignTools make the fluentd DaemonSet the way other tools do.
var foreignTools = map[string]func(t *testing.T, cs kubernetes.Interface, ds *appsv1.DaemonSet){
	"kubectl-client-side-apply": func(t *testing.T, _ kubernetes.Interface, ds *appsv1.DaemonSet) {
		kubectl(t, ds, "apply")
	},
	"kubectl-server-side-apply": func(t *testing.T, _ kubernetes.Interface, ds *appsv1.DaemonSet) {
		kubectl(t, ds, "apply", "--server-side")
	},
	"helm": func(t *testing.T, cs kubernetes.Interface, ds *appsv1.DaemonSet) {
		if _, err := cs.AppsV1().DaemonSets(ds.Namespace).Create(context.Background(), ds, metav1.CreateOptions{FieldManager: "helm"}); err != nil {
			t.Fatal(err)
		}
	},
	"controller-update": func(t *testing.T, cs kubernetes.Interface, ds *appsv1.DaemonSet) {
		// An operator creates a bare object, then fills it in with an Update.
		daemonSets := cs.AppsV1().DaemonSets(ds.Namespace)
		created, err := daemonSets.Create(context.Background(), ds, metav1.CreateOptions{FieldManager: "fluentd-operator"})
		if err != nil {
			t.Fatal(err)
		}
		// The controller writes the status meanwhile: an operator retries its update on the object read
		// anew, as client-go's RetryOnConflict does.
		err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
			created.Labels["owner"] = "operator"
			_, err := daemonSets.Update(context.Background(), created, metav1.UpdateOptions{FieldManager: "fluentd-operator"})
			if apierrors.IsConflict(err) {
				if fresh, getErr := daemonSets.Get(context.Background(), created.Name, metav1.GetOptions{}); getErr == nil {
					created = fresh
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	},
	"another-terraform": func(t *testing.T, cs kubernetes.Interface, ds *appsv1.DaemonSet) {
		raw, err := json.Marshal(ds)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.AppsV1().DaemonSets(ds.Namespace).Patch(context.Background(), ds.Name, types.ApplyPatchType, raw,
			metav1.PatchOptions{FieldManager: "hashicorp-kubernetes", Force: ptr.To(true)}); err != nil {
			t.Fatal(err)
		}
	},
}
