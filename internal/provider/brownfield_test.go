package provider

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
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

// TestAccDaemonSet_importFromOtherTools imports a running log collector made by each of the
// tools users move from, with a configuration equal to what that tool was given:
//   - the import plans no change and restarts no pod;
//   - the first apply (a metadata label) takes over the tool's fields, still restarting no pod;
//   - removing a field from the configuration then removes it from the DaemonSet.
func TestAccDaemonSet_importFromOtherTools(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	for _, tool := range slices.Sorted(maps.Keys(foreignTools)) {
		t.Run(tool, func(t *testing.T) {
			ns := testAccNamespace(t, cs)
			foreignTools[tool](t, cs, fluentdManifest(ns))
			// Imported once its rollout is done (minReadySeconds included): an import of a rollout
			// still under way plans the update that waits for it.
			nodes := int32(readyUntaintedNodes(t, cs))
			waitFor(t, 2*time.Minute, "fluentd available on every node", func() (bool, error) {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "fluentd", metav1.GetOptions{})
				return err == nil && ds.Status.ObservedGeneration == ds.Generation && ds.Status.NumberAvailable == nodes, err
			})
			before := podUIDs(t, cs, ns, "app=fluentd")
			labels := `team = "logging"`
			if tool == "controller-update" {
				labels += `, owner = "operator"`
			}
			samePods := func(*terraform.State) error {
				if after := podUIDs(t, cs, ns, "app=fluentd"); !slices.Equal(after, before) {
					return fmt.Errorf("pods %v became %v: the import or takeover restarted them", before, after)
				}
				return nil
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				CheckDestroy: func(*terraform.State) error {
					return testAccCheckDaemonSetDestroyed(cs, ns, "fluentd", "app=fluentd")()
				},
				Steps: []resource.TestStep{{
					Config: fluentdConfig(ns, labels, "min_ready_seconds = 2"),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionNoop)},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: samePods,
				}, {
					Config: fluentdConfig(ns, labels+`, imported = "yes"`, "min_ready_seconds = 2"),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: resource.ComposeAggregateTestCheckFunc(samePods, checkOwnedOnlyBy(cs, ns, "fluentd", "kubedaemon")),
				}, {
					Config: fluentdConfig(ns, labels+`, imported = "yes"`, ""),
					ConfigPlanChecks: resource.ConfigPlanChecks{
						PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
					},
					Check: func(*terraform.State) error {
						ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "fluentd", metav1.GetOptions{})
						if err != nil {
							return err
						}
						return expect("minReadySeconds once removed from the configuration", ds.Spec.MinReadySeconds, int32(0))
					},
				}},
			})
		})
	}
}

// checkOwnedOnlyBy checks that no manager but fieldManager and the controllers owns a field of the
// DaemonSet's spec or metadata.
func checkOwnedOnlyBy(cs kubernetes.Interface, namespace, name, fieldManager string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ds, err := cs.AppsV1().DaemonSets(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, e := range ds.ManagedFields {
			if e.Subresource == "" && e.Manager != fieldManager && e.Manager != "kube-controller-manager" {
				return fmt.Errorf("manager %s (%s) still owns %s", e.Manager, e.Operation, e.FieldsV1.GetRawString())
			}
		}
		return nil
	}
}

// TestAccDaemonSet_createRefusesExisting: a DaemonSet another team made under the same name, with
// an identical spec, is never adopted: the create fails with the import block to write, and the
// other team's DaemonSet is untouched after destroy.
func TestAccDaemonSet_createRefusesExisting(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	theirs := agentLike(ns)
	created, err := cs.AppsV1().DaemonSets(ns).Create(context.Background(), theirs, metav1.CreateOptions{FieldManager: "other-team"})
	if err != nil {
		t.Fatal(err)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             checkSameDaemonSet(cs, ns, "agent", created.UID),
		Steps: []resource.TestStep{{
			Config:      config.String(),
			ExpectError: regexp.MustCompile(`(?s)DaemonSet ` + ns + `/agent\s+already\s+exists.*other-team.*import \{\s+to = kubedaemon_daemonset\.agent\s+id = "` + ns + `/agent"`),
		}},
	})
}

// TestAccNodeAgent_retryAfterRefusedCreate: an agent whose DaemonSet name another tool holds is
// refused after it made its ServiceAccount; once the name is free, the next apply runs under that
// ServiceAccount instead of refusing it as another tool's.
func TestAccNodeAgent_retryAfterRefusedCreate(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	theirs := agentLike(ns)
	if _, err := cs.AppsV1().DaemonSets(ns).Create(context.Background(), theirs, metav1.CreateOptions{FieldManager: "other-team"}); err != nil {
		t.Fatal(err)
	}
	config := nodeAgentConfig(ns, "agent", testImage, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      config,
			ExpectError: regexp.MustCompile(`(?s)DaemonSet ` + ns + `/agent\s+already\s+exists.*other-team`),
		}, {
			PreConfig: func() {
				background := metav1.DeletePropagationBackground
				if err := cs.AppsV1().DaemonSets(ns).Delete(context.Background(), "agent", metav1.DeleteOptions{PropagationPolicy: &background}); err != nil {
					t.Fatal(err)
				}
				if _, err := cs.CoreV1().ServiceAccounts(ns).Get(context.Background(), "agent", metav1.GetOptions{}); err != nil {
					t.Fatalf("the refused create left no ServiceAccount behind, so this test shows nothing: %v", err)
				}
			},
			Config: config,
			Check:  checkPodServiceAccount(cs, ns, "agent", "agent"),
		}},
	})
}

// TestAccDaemonSet_recreatedOutOfBandIsLeftAlone: a DaemonSet deleted and made again under the
// same name by someone else is not the one in state: the plan creates it again (which then fails,
// saying to import it) and destroy never deletes it.
func TestAccDaemonSet_recreatedOutOfBandIsLeftAlone(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	var theirs types.UID
	recreate := func() {
		ctx := context.Background()
		policy := metav1.DeletePropagationForeground
		if err := cs.AppsV1().DaemonSets(ns).Delete(ctx, "agent", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 2*time.Minute, "the DaemonSet to go", func() (bool, error) {
			_, err := cs.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
			return err != nil, nil
		})
		created, err := cs.AppsV1().DaemonSets(ns).Create(ctx, agentLike(ns), metav1.CreateOptions{FieldManager: "other-team"})
		if err != nil {
			t.Fatal(err)
		}
		theirs = created.UID
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			return checkSameDaemonSet(cs, ns, "agent", theirs)(s)
		},
		Steps: []resource.TestStep{{
			Config: config.String(),
		}, {
			PreConfig:          recreate,
			Config:             config.String(),
			PlanOnly:           true,
			ExpectNonEmptyPlan: true,
		}, {
			Config:      config.String(),
			ExpectError: regexp.MustCompile(`(?s)already exists.*other-team.*import \{`),
		}},
	})
}

// agentLike is the DaemonSet of daemonSetConfig{name: "agent", app: "agent"}, as another tool makes it.
func agentLike(namespace string) *appsv1.DaemonSet {
	labels := map[string]string{"app": "agent"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: namespace},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: testImage}}},
			},
		},
	}
}

func checkSameDaemonSet(cs kubernetes.Interface, namespace, name string, uid types.UID) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ds, err := cs.AppsV1().DaemonSets(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("the other tool's DaemonSet: %w", err)
		}
		if ds.UID != uid || ds.DeletionTimestamp != nil {
			return fmt.Errorf("DaemonSet %s/%s is uid %s (deleting: %v), want the other tool's %s untouched", namespace, name, ds.UID, ds.DeletionTimestamp != nil, uid)
		}
		return nil
	}
}

// TestAccDaemonSet_generatedConfigPlansClean: `terraform plan -generate-config-out` on the import of
// a DaemonSet kubectl made writes a configuration that then plans only the import, whether the
// import block names the object by ID or (Terraform 1.12 and later) by its identity.
func TestAccDaemonSet_generatedConfigPlansClean(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	foreignTools["kubectl-client-side-apply"](t, cs, fluentdManifest(ns))
	nodes := int32(readyUntaintedNodes(t, cs))
	waitFor(t, 2*time.Minute, "fluentd available on every node", func() (bool, error) {
		ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "fluentd", metav1.GetOptions{})
		return err == nil && ds.Status.ObservedGeneration == ds.Generation && ds.Status.NumberAvailable == nodes, err
	})
	for _, tc := range []struct{ name, target, minimum string }{
		{"by ID", fmt.Sprintf("id = %q", ns+"/fluentd"), ""},
		{"by identity", fmt.Sprintf("identity = {\n    namespace = %q\n    name      = \"fluentd\"\n  }", ns), "1.12.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli := newTerraformCLI(t, fmt.Sprintf("import {\n  to = kubedaemon_daemonset.fluentd\n  %s\n}\n", tc.target))
			if tc.minimum != "" {
				cli.skipBelow(tc.minimum)
			}
			cli.mustRun("plan", "-generate-config-out=generated.tf", "-no-color")
			generated, err := os.ReadFile(filepath.Join(cli.dir, "generated.tf"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`min_ready_seconds`, `read_only`, `"node-role.kubernetes.io/control-plane"`, `memory = "200Mi"`} {
				if !strings.Contains(string(generated), want) {
					t.Errorf("the generated configuration lacks %s:\n%s", want, generated)
				}
			}
			out := cli.mustRun("plan", "-no-color")
			if !strings.Contains(out, "1 to import, 0 to add, 0 to change, 0 to destroy") {
				t.Fatalf("the generated configuration does not plan only the import:\n%s\n%s", out, generated)
			}
		})
	}
}

// testedProviderRequirement is a terraform block that requires the provider at the address the
// testing framework serves it under: TF_ACC_PROVIDER_NAMESPACE (make testacc-tofu sets it), or
// hashicorp by default.
func testedProviderRequirement() string {
	namespace := cmp.Or(os.Getenv("TF_ACC_PROVIDER_NAMESPACE"), "hashicorp")
	return fmt.Sprintf("terraform {\n  required_providers {\n    kubedaemon = { source = %q }\n  }\n}\n", namespace+"/kubedaemon")
}

// TestAccNodeAgent_importOfAnotherShape: a DaemonSet kubectl made is not a node agent; importing it
// into kubedaemon_node_agent says why and points at kubedaemon_daemonset, and changes nothing.
func TestAccNodeAgent_importOfAnotherShape(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	foreignTools["kubectl-client-side-apply"](t, cs, fluentdManifest(ns))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			// An import step that is a test's first runs init on the configuration as written: it
			// names the provider the testing framework serves, under Terraform and OpenTofu alike.
			Config:        testedProviderRequirement() + nodeAgentConfig(ns, "fluentd", testImage, ""),
			ResourceName:  nodeAgentAddress,
			ImportState:   true,
			ImportStateId: ns + "/fluentd",
			ExpectError:   regexp.MustCompile(`(?s)is not a node agent.*selector is not the agent's.*kubedaemon_daemonset`),
		}},
	})
}
