package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func TestAccNodeAgent_logCollector(t *testing.T) {
	testAccNodeAgentUseCase(t, "log-collector", `
  host_paths = [
    { path = "/var/log", type = "Directory" },
    { path = "/var/lib/docker/containers", type = "DirectoryOrCreate" },
  ]
  env             = { LOG_LEVEL = "info", HOST = "$(NODE_NAME)" }
  labels          = { "app.kubernetes.io/part-of" = "logging" }
  pod_annotations = { "fluentbit.io/exclude" = "true" }
  resources       = { memory_limit = "200Mi" }
`, func(ds *appsv1.DaemonSet) error {
		c := ds.Spec.Template.Spec.Containers[0]
		return errors.Join(
			expect("mounts", c.VolumeMounts, []corev1.VolumeMount{
				{Name: "host-path-0", MountPath: "/var/log", ReadOnly: true},
				{Name: "host-path-1", MountPath: "/var/lib/docker/containers", ReadOnly: true},
			}),
			expect("volume", ds.Spec.Template.Spec.Volumes[0].HostPath.Path, "/var/log"),
			expect("env", envNames(c.Env), []string{"NODE_NAME", "HOST", "LOG_LEVEL"}),
			expect("pod annotation", ds.Spec.Template.Annotations["fluentbit.io/exclude"], "true"),
			expect("memory limit", c.Resources.Limits.Memory().String(), "200Mi"),
			expect("memory request", c.Resources.Requests.Memory().String(), "64Mi"),
		)
	})
}

func TestAccNodeAgent_nodeExporter(t *testing.T) {
	testAccNodeAgentUseCase(t, "node-exporter", `
  host_network = true
  host_pid     = true
  args         = ["--path.procfs=/host/proc", "--path.sysfs=/host/sys"]
  host_paths = [
    { path = "/proc", mount_path = "/host/proc" },
    { path = "/sys", mount_path = "/host/sys" },
  ]
  ports           = [{ name = "metrics", container_port = 9100 }]
  max_unavailable = "1"
`, func(ds *appsv1.DaemonSet) error {
		pod := ds.Spec.Template.Spec
		c := pod.Containers[0]
		return errors.Join(
			expect("host network and PID", []bool{pod.HostNetwork, pod.HostPID}, []bool{true, true}),
			expect("DNS policy", pod.DNSPolicy, corev1.DNSClusterFirstWithHostNet),
			expect("mounts", c.VolumeMounts, []corev1.VolumeMount{
				{Name: "host-path-0", MountPath: "/host/proc", ReadOnly: true},
				{Name: "host-path-1", MountPath: "/host/sys", ReadOnly: true},
			}),
			expect("port", c.Ports[0].Name+":"+fmt.Sprint(c.Ports[0].ContainerPort), "metrics:9100"),
			expect("max unavailable", ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.String(), "1"),
		)
	})
}

func TestAccNodeAgent_storageDaemon(t *testing.T) {
	testAccNodeAgentUseCase(t, "storage-daemon", `
  privileged = true
  host_paths = [
    { path = "/dev", read_only = false },
    { path = "/var/lib/kubedaemon-storage", read_only = false, type = "DirectoryOrCreate" },
  ]
  resources = { cpu_limit = "1", memory_limit = "512Mi" }
`, func(ds *appsv1.DaemonSet) error {
		c := ds.Spec.Template.Spec.Containers[0]
		return errors.Join(
			expect("privileged", *c.SecurityContext.Privileged, true),
			expect("mounts", c.VolumeMounts, []corev1.VolumeMount{
				{Name: "host-path-0", MountPath: "/dev"},
				{Name: "host-path-1", MountPath: "/var/lib/kubedaemon-storage"},
			}),
			expect("limits", c.Resources.Limits.Cpu().String()+" "+c.Resources.Limits.Memory().String(), "1 512Mi"),
		)
	})
}

func TestAccNodeAgent_securityAgent(t *testing.T) {
	testAccNodeAgentUseCase(t, "security-agent", `
  host_pid        = true
  capabilities    = ["SYS_PTRACE", "NET_ADMIN"]
  host_paths      = [{ path = "/proc", mount_path = "/host/proc" }]
  max_unavailable = "0"
  max_surge       = "1"
`, func(ds *appsv1.DaemonSet) error {
		pod := ds.Spec.Template.Spec
		c := pod.Containers[0]
		return errors.Join(
			expect("host PID", pod.HostPID, true),
			expect("privileged", *c.SecurityContext.Privileged, false),
			expect("capabilities", c.SecurityContext.Capabilities.Add, []corev1.Capability{"SYS_PTRACE", "NET_ADMIN"}),
			expect("surge", ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge.String(), "1"),
		)
	})
}

// testAccNodeAgentUseCase runs one seed use case on a cluster with a control-plane-style tainted
// node: create, import, an in-place image update, and destroy. checkUseCase asserts what is
// particular to the use case on the DaemonSet in the cluster.
func testAccNodeAgentUseCase(t *testing.T, name, attributes string, checkUseCase func(*appsv1.DaemonSet) error) {
	testAccPreCheck(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	controlPlane := testAccNode(t, cs, "kd-control-plane", testNode{
		labels: map[string]string{"node-role.kubernetes.io/control-plane": ""},
		taints: []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}},
	})
	nodes := int64(readyNodes(t, cs))
	var uid string
	checks := func(image string) resource.TestCheckFunc {
		return resource.ComposeAggregateTestCheckFunc(
			checkEveryNodeRunsCurrentRevision(cs, ns, name),
			// The control-plane node is tainted, which the check above skips; the coverage data
			// source shows the agent covers it too.
			checkNode(controlPlane, map[string]string{"eligible": "^true$", "covered": "^true$", "current_revision": "^true$"}),
			checkPodImages(cs, ns, agentSelector(name), image),
			checkAgent(cs, ns, name, checkUseCase),
		)
	}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			return errors.Join(
				testAccCheckDaemonSetDestroyed(cs, ns, name, agentSelector(name))(),
				checkServiceAccountGone(cs, ns, name),
			)
		},
		Steps: []resource.TestStep{{
			Config: nodeAgentConfig(ns, name, testImage, attributes),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+name)),
				statecheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New("daemonset_name"), knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New("service_account_name"), knownvalue.StringExact(name)),
				statecheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New("coverage").AtMapKey("complete"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New("coverage").AtMapKey("eligible"), knownvalue.Int64Exact(nodes)),
				statecheck.ExpectKnownValue(nodeAgentAddress, tfjsonpath.New("coverage").AtMapKey("covered"), knownvalue.Int64Exact(nodes)),
				statecheck.ExpectKnownValue("data.kubedaemon_coverage.test", tfjsonpath.New("complete"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.kubedaemon_coverage.test", tfjsonpath.New("covered"), knownvalue.Int64Exact(nodes)),
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checks(testImage),
				resource.TestCheckResourceAttrWith(nodeAgentAddress, "uid", func(v string) error { uid = v; return nil }),
			),
		}, {
			ResourceName:                         nodeAgentAddress,
			ImportState:                          true,
			ImportStateId:                        ns + "/" + name,
			ImportStateVerify:                    true,
			ImportStateVerifyIdentifierAttribute: "id",
			ImportStateVerifyIgnore:              []string{"coverage", "status", "resource_version"},
		}, {
			// A new image updates the same DaemonSet, and the apply returns once every node,
			// the tainted one included, runs it.
			Config: nodeAgentConfig(ns, name, "registry.k8s.io/pause:3.9", attributes),
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(nodeAgentAddress, plancheck.ResourceActionUpdate)},
				PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checks("registry.k8s.io/pause:3.9"),
				resource.TestCheckResourceAttrWith(nodeAgentAddress, "uid", func(v string) error {
					return expect("uid after the update", v, uid)
				}),
				resource.TestCheckResourceAttr(nodeAgentAddress, "coverage.covered", fmt.Sprint(nodes)),
			),
		}},
	})
}

// checkAgent runs a use case's assertions, and those every agent shares, on the DaemonSet and one
// of its pods as the cluster holds them.
func checkAgent(cs kubernetes.Interface, namespace, name string, checkUseCase func(*appsv1.DaemonSet) error) resource.TestCheckFunc {
	return func(*terraform.State) error {
		ctx := context.Background()
		ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		pod := ds.Spec.Template.Spec
		c := pod.Containers[0]
		sa, err := cs.CoreV1().ServiceAccounts(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("the agent's ServiceAccount: %w", err)
		}
		pods, err := cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: agentSelector(name)})
		if err != nil || len(pods.Items) == 0 {
			return fmt.Errorf("no pod of the agent (err=%v)", err)
		}
		return errors.Join(
			expect("tolerations", pod.Tolerations, []corev1.Toleration{{Operator: corev1.TolerationOpExists}}),
			expect("priority class", pod.PriorityClassName, "system-node-critical"),
			expect("service account", pod.ServiceAccountName, name),
			expect("ServiceAccount label", sa.Labels["app.kubernetes.io/name"], name),
			expect("NODE_NAME", c.Env[0].ValueFrom.FieldRef.FieldPath, "spec.nodeName"),
			expect("CPU request", c.Resources.Requests.Cpu().String(), "50m"),
			expect("rolling update", ds.Spec.UpdateStrategy.Type, appsv1.RollingUpdateDaemonSetStrategyType),
			// The priority admission plugin resolved the class on the pod.
			expect("pod priority", pods.Items[0].Spec.Priority != nil && *pods.Items[0].Spec.Priority > 1e9, true),
			checkUseCase(ds),
		)
	}
}

// readyNodes counts the Ready nodes, tainted or not: where an agent that tolerates every taint runs.
func readyNodes(t *testing.T, cs kubernetes.Interface) int {
	t.Helper()
	nodes, err := cs.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return len(slices.DeleteFunc(nodes.Items, func(n corev1.Node) bool {
		return !slices.ContainsFunc(n.Status.Conditions, func(c corev1.NodeCondition) bool {
			return c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue
		})
	}))
}

func envNames(env []corev1.EnvVar) []string {
	names := make([]string, len(env))
	for i, e := range env {
		names[i] = e.Name
	}
	return names
}
