package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kwoktest"
)

const daemonSetAddress = "kubedaemon_daemonset.test"

func TestAccDaemonSet_seedImportUpdate(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	nodes := readyUntaintedNodes(t, cs)
	seed := daemonSetConfig{namespace: ns, name: "monitoring-daemon", app: "monitoring-agent"}
	updated := seed
	updated.image = "registry.k8s.io/pause:3.9"

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return testAccCheckDaemonSetDestroyed(cs, ns, "monitoring-daemon", "app=monitoring-agent")()
		},
		Steps: []resource.TestStep{{
			Config: seed.String(),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("id"), knownvalue.StringExact(ns+"/monitoring-daemon")),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("complete"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("covered"), knownvalue.Int64Exact(int64(nodes))),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("field_manager"), knownvalue.StringExact("kubedaemon")),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("uid"), knownvalue.NotNull()),
			},
			Check: checkEveryNodeRunsCurrentRevision(cs, ns, "monitoring-daemon"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
		}, {
			ResourceName:                         daemonSetAddress,
			ImportState:                          true,
			ImportStateId:                        ns + "/monitoring-daemon",
			ImportStateVerify:                    true,
			ImportStateVerifyIdentifierAttribute: "id",
			ImportStateVerifyIgnore:              []string{"coverage", "status", "resource_version"},
		}, {
			ResourceName:  daemonSetAddress,
			ImportState:   true,
			ImportStateId: "monitoring-daemon",
			ExpectError:   regexp.MustCompile(`Expected an import ID of the form namespace/name`),
		}, {
			Config: updated.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			// The apply returns only once every node runs a ready pod of the new image.
			Check: resource.ComposeAggregateTestCheckFunc(
				checkEveryNodeRunsCurrentRevision(cs, ns, "monitoring-daemon"),
				checkPodImages(cs, ns, "app=monitoring-agent", "registry.k8s.io/pause:3.9"),
			),
		}, {
			// A new selector (with matching template labels) replaces the DaemonSet: the API forbids changing it.
			Config: daemonSetConfig{namespace: ns, name: "monitoring-daemon", app: "monitoring-agent-v2", image: "registry.k8s.io/pause:3.9"}.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: checkEveryNodeRunsCurrentRevision(cs, ns, "monitoring-daemon"),
		}, {
			// Changing the namespace-scoped name replaces the DaemonSet.
			Config: daemonSetConfig{namespace: ns, name: "monitoring-daemon-2", app: "monitoring-agent"}.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionDestroyBeforeCreate)},
			},
		}},
	})
}

func TestAccDaemonSet_nodesJoiningDuringTheWait(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	nodes := readyUntaintedNodes(t, cs)
	const joining = 4
	// minReadySeconds keeps the wait open for a few seconds, so the nodes that join as soon as the
	// DaemonSet exists certainly join during the wait.
	// Joining nodes are NotReady until kwok takes them up; counting them makes the wait hold until
	// they are covered, whatever the machine's load.
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent", resourceExtra: "wait_for_not_ready_nodes = true"}
	withMinReady := regexp.MustCompile(`(?m)^    template = \{`).ReplaceAllString(config.String(), "    min_ready_seconds = 5\n    template = {")

	var (
		once     sync.Once
		mu       sync.Mutex // guards joined and joinErrs, which the node-adding goroutine writes
		joined   []string
		joinErrs []error
		done     = make(chan struct{})
		// The cleanup ends the goroutine (ended) and waits for it (adding) before it deletes the
		// joined nodes: when the apply fails before the DaemonSet exists, a node created after the
		// cleanup read joined would stay in the cluster and change every later test's node count.
		ended  = make(chan struct{})
		adding sync.WaitGroup
	)
	t.Cleanup(func() {
		close(ended)
		adding.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, name := range joined {
			_ = cs.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
		}
	})
	addNodesWhenDaemonSetAppears := func() {
		// The nodes are created from another goroutine while terraform applies; errors are
		// reported when the step's checks run, since t.Fatal must stay on the test's goroutine.
		adding.Go(func() {
			deadline := time.Now().Add(60 * time.Second)
			for {
				if _, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{}); err == nil {
					break
				}
				if time.Now().After(deadline) {
					return // no node joins; the step's check, if it runs, says so
				}
				select {
				case <-ended:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
			once.Do(func() {
				defer close(done)
				for range joining {
					name, err := createTestNode(cs, "kd-joining", testNode{})
					mu.Lock()
					joinErrs = append(joinErrs, err)
					joined = append(joined, name)
					mu.Unlock()
				}
			})
		})
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			PreConfig: addNodesWhenDaemonSetAppears,
			Config:    withMinReady,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("counted"), knownvalue.Int64Exact(int64(nodes+joining))),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("covered"), knownvalue.Int64Exact(int64(nodes+joining))),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				func(*terraform.State) error {
					select {
					case <-done:
					case <-time.After(time.Minute):
						return fmt.Errorf("the nodes were not all created within a minute")
					}
					mu.Lock()
					defer mu.Unlock()
					if len(joined) != joining {
						return fmt.Errorf("only %d of %d nodes joined during the apply: %v", len(joined), joining, joinErrs)
					}
					return errors.Join(joinErrs...)
				},
				checkEveryNodeRunsCurrentRevision(cs, ns, "agent"),
			),
		}},
	})
}

func TestAccDaemonSet_updateToImageThatNeverPulls(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	good := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	bad := good
	bad.image = "registry.invalid/agent:2"
	bad.resourceExtra = `timeouts = { update = "20s" }`

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: good.String(),
		}, {
			// Old ready pods never make the update succeed: the error names a node and the reason.
			Config:      bad.String(),
			ExpectError: regexp.MustCompile(`(?s)did not cover every node.*node-\S+.*image_pull.*registry\.invalid/agent:2`),
		}, {
			// The failed rollout is not forgotten: the same configuration plans an update that waits.
			Config: bad.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue(daemonSetAddress, tfjsonpath.New("coverage")),
				},
			},
			ExpectError: regexp.MustCompile(`(?s)did not cover every node.*image_pull`),
		}, {
			// Fixed, the next apply waits until every node runs the good image; then plans are empty.
			Config: good.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkEveryNodeRunsCurrentRevision(cs, ns, "agent"),
				checkPodImages(cs, ns, "app=agent", testImage),
			),
		}},
	})
}

func TestAccDaemonSet_createTimeoutTaints(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	bad := daemonSetConfig{namespace: ns, name: "agent", app: "agent", image: "busybox:1.36",
		containerExtra: `command = ["/bin/false"]`, resourceExtra: `timeouts = { create = "15s" }`}
	good := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      bad.String(),
			ExpectError: regexp.MustCompile(`(?s)did not cover every node.*crash_loop`),
		}, {
			// The created DaemonSet is in state, tainted: the next apply replaces it.
			Config: good.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionDestroyBeforeCreate)},
			},
			Check: checkEveryNodeRunsCurrentRevision(cs, ns, "agent"),
		}},
	})
}

func TestAccDaemonSet_onDelete(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	first := daemonSetConfig{namespace: ns, name: "agent", app: "agent", podSpecExtra: ""}
	onDelete := func(image string) string {
		c := first
		c.image = image
		return regexp.MustCompile(`(?m)^    template = \{`).ReplaceAllString(c.String(), "    update_strategy = { type = \"OnDelete\" }\n    template = {")
	}
	var podsBefore []types.UID

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: onDelete(testImage),
			Check: func(*terraform.State) error {
				podsBefore = podUIDs(t, cs, ns, "app=agent")
				return nil
			},
		}, {
			// Under OnDelete the old pods keep covering their nodes: the apply completes at once
			// and leaves them running.
			Config: onDelete("registry.k8s.io/pause:3.9"),
			Check: resource.ComposeAggregateTestCheckFunc(
				resource.TestCheckResourceAttr(daemonSetAddress, "coverage.complete", "true"),
				func(*terraform.State) error {
					after := podUIDs(t, cs, ns, "app=agent")
					if fmt.Sprint(after) != fmt.Sprint(podsBefore) {
						return fmt.Errorf("pods changed under OnDelete: before %v, after %v", podsBefore, after)
					}
					return nil
				},
			),
		}},
	})
}

func TestAccDaemonSet_driftFromAnotherManager(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}
	minReady := config
	minReady.specExtra = "min_ready_seconds = 1"
	forced := minReady
	forced.resourceExtra = "force_conflicts = true"
	edit := func(change func(*appsv1.DaemonSet)) func() {
		return func() {
			ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			change(ds)
			if _, err := cs.AppsV1().DaemonSets(ns).Update(context.Background(), ds, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	image := tfjsonpath.New("spec").AtMapKey("template").AtMapKey("spec").AtMapKey("containers").AtSliceIndex(0).AtMapKey("image")

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: config.String(),
		}, {
			// The edit shows as drift, old -> new, and the apply takes the field back, as planned.
			PreConfig: edit(func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.Containers[0].Image = "registry.k8s.io/pause:3.8" }),
			Config:    config.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate),
					expectChange(daemonSetAddress, image, "registry.k8s.io/pause:3.8", testImage),
				},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: checkPodImages(cs, ns, "app=agent", testImage),
		}, {
			// A field the configuration newly sets, owned by another manager, is a conflict that
			// names the manager and force_conflicts.
			PreConfig:   edit(func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = 3 }),
			Config:      minReady.String(),
			ExpectError: regexp.MustCompile(`(?s)conflicts with fields owned\s+by another manager.*minReadySeconds.*kubectl-edit.*force_conflicts`),
		}, {
			Config: forced.String(),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: func(*terraform.State) error {
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "agent", metav1.GetOptions{})
				if err != nil {
					return err
				}
				return expect("minReadySeconds", ds.Spec.MinReadySeconds, int32(1))
			},
		}},
	})
}

func TestAccDaemonSet_invalidConfig(t *testing.T) {
	testAccPreCheck(t)
	cases := []struct {
		name   string
		config daemonSetConfig
		want   string
	}{
		{"bad name", daemonSetConfig{namespace: "default", name: "Bad_Name", app: "a"}, `Invalid Kubernetes object name`},
		{"bad namespace", daemonSetConfig{namespace: "Not.A.Namespace", name: "a", app: "a"}, `Invalid namespace`},
		{"selector mismatch", daemonSetConfig{namespace: "default", name: "a", app: "a", selectorApp: "b"}, `Selector does not match the pod template`},
		{"duplicate container", daemonSetConfig{namespace: "default", name: "a", app: "a",
			podSpecExtra: `init_containers = [{ name = "agent", image = "x" }]`}, `Duplicate container name`},
		{"bad template label", daemonSetConfig{namespace: "default", name: "a", app: "not a label value"}, `Invalid label`},
		{"missing image", daemonSetConfig{namespace: "default", name: "a", app: "a", image: " "}, `Invalid container image`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps:                    []resource.TestStep{{Config: tc.config.String(), PlanOnly: true, ExpectError: regexp.MustCompile(tc.want)}},
			})
		})
	}
}

// checkEveryNodeRunsCurrentRevision asserts, independently of the provider, that at this moment
// every Ready node without NoSchedule/NoExecute taints runs a Ready pod of the DaemonSet's newest
// revision.
func checkEveryNodeRunsCurrentRevision(cs kubernetes.Interface, namespace, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		ds, hash, err := newestRevision(cs, namespace, name)
		if err != nil {
			return err
		}
		pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: metav1.FormatLabelSelector(ds.Spec.Selector)})
		if err != nil {
			return err
		}
		covered := map[string]bool{}
		for _, p := range pods.Items {
			if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == hash && p.DeletionTimestamp == nil && kwoktest.PodReady(&p) {
				covered[p.Spec.NodeName] = true
			}
		}
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, node := range nodes.Items {
			if nodeIsReadyAndUntainted(&node) && !covered[node.Name] {
				return fmt.Errorf("node %s has no ready pod of revision %s", node.Name, hash)
			}
		}
		return nil
	}
}

func checkPodImages(cs kubernetes.Interface, namespace, selector, image string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		pods, err := cs.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return err
		}
		running := 0
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				continue
			}
			running++
			if p.Spec.Containers[0].Image != image {
				return fmt.Errorf("pod %s runs %s, want %s", p.Name, p.Spec.Containers[0].Image, image)
			}
		}
		if running == 0 {
			return fmt.Errorf("no pod matches %s in %s: nothing runs %s", selector, namespace, image)
		}
		return nil
	}
}

func podUIDs(t *testing.T, cs kubernetes.Interface, namespace, selector string) []types.UID {
	t.Helper()
	pods, err := cs.CoreV1().Pods(namespace).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	uids := make([]types.UID, 0, len(pods.Items))
	for _, p := range pods.Items {
		uids = append(uids, p.UID)
	}
	slices.Sort(uids)
	return uids
}

// maximalDaemonSet is a node-agent style DaemonSet that sets many kinds of fields: nested objects,
// lists of objects, quantities, int-or-strings, empty lists, booleans set to false.
func maximalDaemonSet(namespace, image, maxUnavailable string) string {
	return fmt.Sprintf(`
resource "kubedaemon_daemonset" "test" {
  metadata = {
    name        = "node-agent"
    namespace   = %[1]q
    labels      = { "app.kubernetes.io/name" = "node-agent", tier = "system" }
    annotations = { "example.com/owner" = "platform" }
  }
  spec = {
    min_ready_seconds      = 1
    revision_history_limit = 5
    selector = {
      match_labels = { "app.kubernetes.io/name" = "node-agent" }
      match_expressions = [{ key = "tier", operator = "In", values = ["system"] }]
    }
    update_strategy = {
      type           = "RollingUpdate"
      rolling_update = { max_unavailable = %[3]q, max_surge = 0 }
    }
    template = {
      metadata = {
        labels      = { "app.kubernetes.io/name" = "node-agent", tier = "system" }
        annotations = { "prometheus.io/scrape" = "true" }
      }
      spec = {
        host_network                     = true
        host_pid                         = true
        dns_policy                       = "ClusterFirstWithHostNet"
        termination_grace_period_seconds = 30
        priority_class_name              = "system-node-critical"
        node_selector                    = { "kubernetes.io/os" = "linux" }
        tolerations                      = [{ operator = "Exists" }]
        affinity = {
          node_affinity = {
            required_during_scheduling_ignored_during_execution = {
              node_selector_terms = [{
                match_expressions = [{ key = "kubedaemon.test/skip", operator = "DoesNotExist" }]
              }]
            }
          }
        }
        security_context = { run_as_non_root = false, fs_group = 0 }
        containers = [{
          name              = "agent"
          image             = %[2]q
          image_pull_policy = "IfNotPresent"
          args              = []
          command           = ["/agent", "--path.procfs=/host/proc"]
          env = [
            { name = "NODE_NAME", value_from = { field_ref = { field_path = "spec.nodeName" } } },
            { name = "LOG_LEVEL", value = "info" },
          ]
          ports = [{ name = "metrics", container_port = 9100, host_port = 9100, protocol = "TCP" }]
          resources = {
            requests = { cpu = "50m", memory = "64Mi" }
            limits   = { cpu = "0.5", memory = "1024Mi" }
          }
          readiness_probe = {
            http_get              = { path = "/healthz", port = "metrics" }
            initial_delay_seconds = 1
            period_seconds        = 10
          }
          liveness_probe = {
            tcp_socket = { port = 9100 }
          }
          security_context = {
            privileged                 = false
            read_only_root_filesystem  = true
            allow_privilege_escalation = false
            capabilities               = { add = ["SYS_PTRACE"], drop = ["ALL"] }
          }
          volume_mounts = [
            { name = "proc", mount_path = "/host/proc", read_only = true },
            { name = "sys", mount_path = "/host/sys", read_only = true, mount_propagation = "HostToContainer" },
          ]
        }]
        volumes = [
          { name = "proc", host_path = { path = "/proc", type = "Directory" } },
          { name = "sys", host_path = { path = "/sys" } },
        ]
      }
    }
  }
}
`, namespace, image, maxUnavailable)
}

func TestAccDaemonSet_maximalNodeAgentPlansEmpty(t *testing.T) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return testAccCheckDaemonSetDestroyed(cs, ns, "node-agent", "app.kubernetes.io/name=node-agent")()
		},
		Steps: []resource.TestStep{{
			Config: maximalDaemonSet(ns, testImage, "10%"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("spec").AtMapKey("template").AtMapKey("spec").AtMapKey("containers").AtSliceIndex(0).AtMapKey("resources").AtMapKey("limits").AtMapKey("memory"), knownvalue.StringExact("1024Mi")),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("spec").AtMapKey("template").AtMapKey("spec").AtMapKey("containers").AtSliceIndex(0).AtMapKey("args"), knownvalue.ListExact(nil)),
				statecheck.ExpectKnownValue(daemonSetAddress, tfjsonpath.New("coverage").AtMapKey("complete"), knownvalue.Bool(true)),
			},
			Check: func(*terraform.State) error {
				// The API server stores quantities canonically ("1Gi"); state keeps the configured "1024Mi".
				ds, err := cs.AppsV1().DaemonSets(ns).Get(context.Background(), "node-agent", metav1.GetOptions{})
				if err != nil {
					return err
				}
				if got := ds.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "1Gi" {
					return fmt.Errorf("memory limit on the server is %s, want 1Gi", got)
				}
				return nil
			},
		}, {
			ResourceName:                         daemonSetAddress,
			ImportState:                          true,
			ImportStateId:                        ns + "/node-agent",
			ImportStateVerify:                    true,
			ImportStateVerifyIdentifierAttribute: "id",
			// The API server normalises quantities, drops empty lists and fills defaults inside atomic
			// structs; an import has no configuration to tell them apart from chosen values.
			ImportStateVerifyIgnore: []string{"coverage", "status", "resource_version",
				"spec.template.spec.containers.0.env.0.value_from.field_ref.api_version",
				"spec.template.spec.containers.0.resources.limits.memory", "spec.template.spec.containers.0.resources.limits.cpu",
				"spec.template.spec.containers.0.args.#"},
		}, {
			// An update of the image and of maxUnavailable, written as a number this time, plans empty after.
			Config: maximalDaemonSet(ns, "registry.k8s.io/pause:3.9", "1"),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(daemonSetAddress, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: checkPodImages(cs, ns, "app.kubernetes.io/name=node-agent", "registry.k8s.io/pause:3.9"),
		}},
	})
}
