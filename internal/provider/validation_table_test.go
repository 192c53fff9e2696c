package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
)

// Configurations the provider must refuse, each with the error summary and the attribute path it
// must report, before it sends a single request to a cluster. Written as Go values, each is both
// sent through the provider's protocol server (which checks the path exactly) and, in acceptance
// runs, rendered as HCL and planned by Terraform against a provider whose host counts connections.

type (
	obj  = map[string]any
	list = []any
)

// invalidCase is one configuration to refuse. Exactly one of daemonSet (a change to the base
// kubedaemon_daemonset), nodeAgent (a change to the base kubedaemon_node_agent), provider (the
// provider block) and importID (of a kubedaemon_daemonset) is set, except that a daemonSet case
// may also give the same input on the agent (agent), which must be refused with the same summary
// at its own attribute (agentPath): the two resources share one set of rules.
type invalidCase struct {
	name      string
	daemonSet func(obj)
	nodeAgent func(obj)
	provider  obj
	importID  string
	summary   string
	path      string // attribute path as pathString writes it; "" for an error without one
	agent     func(obj)
	agentPath string
	// serverJSON makes the daemonSet change in the DaemonSet's JSON (where the quantities share the
	// attribute names), for a value the Go types cannot hold: the API server is asked about it that way.
	serverJSON func(obj)
	// serverAccepts says why a rule refuses what the API server accepts: what can never run (a
	// capability the runtime does not know) or a rollout that would stall. The dry run must accept it.
	serverAccepts string
}

// resourceCase is one resource configuration of a case and where its error must be.
type resourceCase struct {
	typeName string
	config   obj
	path     string
}

// resources are the resource configurations the case configures: the base kubedaemon_daemonset for
// a provider or import case.
func (tc invalidCase) resources() []resourceCase {
	if tc.nodeAgent != nil {
		return []resourceCase{{"kubedaemon_node_agent", baseNodeAgent(tc.nodeAgent), tc.path}}
	}
	config := baseDaemonSet()
	if tc.daemonSet != nil {
		tc.daemonSet(config)
	}
	cases := []resourceCase{{"kubedaemon_daemonset", config, tc.path}}
	if tc.agent != nil {
		cases = append(cases, resourceCase{"kubedaemon_node_agent", baseNodeAgent(tc.agent), tc.agentPath})
	}
	return cases
}

func baseNodeAgent(change func(obj)) obj {
	config := obj{"name": "agent", "image": testImage}
	change(config)
	return config
}

// baseDaemonSet is a valid kubedaemon_daemonset that each resource case breaks in one place.
func baseDaemonSet() obj {
	return obj{
		"metadata": obj{"name": "agent", "namespace": "default"},
		"spec": obj{
			"selector": obj{"match_labels": obj{"app": "agent"}},
			"template": obj{
				"metadata": obj{"labels": obj{"app": "agent"}},
				"spec":     obj{"containers": list{obj{"name": "agent", "image": testImage}}},
			},
		},
	}
}

// set returns a change that sets the value at a dotted path ("spec.template.spec.containers.0.image");
// a number names a list element. A nil value removes the attribute.
func set(at string, value any) func(obj) {
	return func(config obj) {
		steps := strings.Split(at, ".")
		var current any = config
		for _, step := range steps[:len(steps)-1] {
			current = child(current, step)
		}
		target, ok := current.(obj)
		if !ok {
			panic(fmt.Sprintf("%s: %T is not an object", at, current))
		}
		if value == nil {
			delete(target, steps[len(steps)-1])
			return
		}
		target[steps[len(steps)-1]] = value
	}
}

// child steps into a list's element or an object's attribute, which it creates if need be.
func child(parent any, step string) any {
	switch parent := parent.(type) {
	case list:
		i, err := strconv.Atoi(step)
		if err != nil || i >= len(parent) {
			panic(fmt.Sprintf("no list element %q", step))
		}
		return parent[i]
	case obj:
		if _, ok := parent[step]; !ok {
			parent[step] = obj{}
		}
		return parent[step]
	}
	panic(fmt.Sprintf("cannot step into %T with %q", parent, step))
}

// container changes the first container of the base DaemonSet.
// each returns a change that makes all of changes, in order.
func each(changes ...func(obj)) func(obj) {
	return func(config obj) {
		for _, change := range changes {
			change(config)
		}
	}
}

func container(attribute string, value any) func(obj) {
	return set("spec.template.spec.containers.0."+attribute, value)
}

// podSpec changes the pod spec of the base DaemonSet.
func podSpec(attribute string, value any) func(obj) {
	return set("spec.template.spec."+attribute, value)
}

// validDaemonSet sets, with valid values, every field that the cases break: the rules must refuse
// what the API server refuses and nothing more.
func validDaemonSet() obj {
	config := baseDaemonSet()
	each(
		set("metadata.labels", obj{"app.kubernetes.io/name": "agent"}),
		set("metadata.annotations", obj{"example.com/owner": "team-a"}),
		set("spec.selector.match_expressions", list{obj{"key": "tier", "operator": "Exists"}}),
		set("spec.template.metadata.labels", obj{"app": "agent", "tier": "node"}),
		set("spec.min_ready_seconds", 0),
		set("spec.revision_history_limit", 0),
		set("spec.update_strategy", obj{"type": "RollingUpdate", "rolling_update": obj{"max_unavailable": "0", "max_surge": "10%"}}),
		podSpec("restart_policy", "Always"),
		podSpec("dns_policy", "ClusterFirstWithHostNet"),
		podSpec("tolerations", list{
			obj{"operator": "Exists"},
			obj{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
			obj{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "toleration_seconds": 300},
		}),
		podSpec("volumes", list{obj{"name": "logs", "host_path": obj{"path": "/var/log", "type": "Directory"}}, obj{"name": "scratch", "empty_dir": obj{}}}),
		podSpec("init_containers", list{obj{"name": "setup", "image": testImage}}),
		container("image_pull_policy", "IfNotPresent"),
		container("ports", list{
			obj{"name": "metrics", "container_port": 9100, "protocol": "TCP"},
			obj{"container_port": 8125, "protocol": "UDP"},
		}),
		container("readiness_probe", obj{"http_get": obj{"port": "metrics", "scheme": "HTTP"}, "period_seconds": 10}),
		container("liveness_probe", obj{"tcp_socket": obj{"port": "9100"}, "success_threshold": 1}),
		container("startup_probe", obj{"grpc": obj{"port": 9090}, "failure_threshold": 30}),
		container("resources", obj{"requests": obj{"cpu": "100m", "memory": "64Mi"}, "limits": obj{"cpu": "0.1", "memory": "128Mi"}}),
		container("volume_mounts", list{obj{"name": "logs", "mount_path": "/var/log", "read_only": true}, obj{"name": "scratch", "mount_path": "/tmp"}}),
		set("timeouts", obj{"create": "15m", "update": "1h", "delete": "30s"}),
		set("rollout", obj{"on_failure": "rollback"}),
	)(config)
	return config
}

const (
	containerPath = "spec.template.spec.containers[0]"
	podSpecAt     = "spec.template.spec"
)

var invalidCases = []invalidCase{
	// Names and namespaces.
	{name: "name with capitals", daemonSet: set("metadata.name", "Agent"), summary: "Invalid Kubernetes object name", path: "metadata.name"},
	{name: "name with underscore", daemonSet: set("metadata.name", "node_agent"), summary: "Invalid Kubernetes object name", path: "metadata.name"},
	{name: "name too long", daemonSet: set("metadata.name", strings.Repeat("a", 254)), summary: "Invalid Kubernetes object name", path: "metadata.name"},
	{name: "name starting with a dash", daemonSet: set("metadata.name", "-agent"), summary: "Invalid Kubernetes object name", path: "metadata.name"},
	{name: "namespace with capitals", daemonSet: set("metadata.namespace", "Kube-System"), summary: "Invalid namespace", path: "metadata.namespace",
		agent: set("namespace", "Kube-System"), agentPath: "namespace"},
	{name: "namespace with a dot", daemonSet: set("metadata.namespace", "team.a"), summary: "Invalid namespace", path: "metadata.namespace"},
	{name: "namespace too long", daemonSet: set("metadata.namespace", strings.Repeat("a", 64)), summary: "Invalid namespace", path: "metadata.namespace"},

	// Labels, annotations and selectors.
	{name: "label key with two slashes", daemonSet: set("metadata.labels", obj{"a/b/c": "x"}), summary: "Invalid label", path: `metadata.labels["a/b/c"]`},
	{name: "label value too long", daemonSet: set("metadata.labels", obj{"app": strings.Repeat("v", 64)}), summary: "Invalid label", path: `metadata.labels["app"]`},
	{name: "label value with a space", daemonSet: set("metadata.labels", obj{"app": "node agent"}), summary: "Invalid label", path: `metadata.labels["app"]`,
		agent: set("labels", obj{"app": "node agent"}), agentPath: `labels["app"]`},
	{name: "annotation key starting with a dash", daemonSet: set("metadata.annotations", obj{"-note": "x"}), summary: "Invalid annotation", path: `metadata.annotations["-note"]`,
		agent: set("annotations", obj{"-note": "x"}), agentPath: `annotations["-note"]`},
	{name: "pod annotation key starting with a dash", daemonSet: set("spec.template.metadata.annotations", obj{"-note": "x"}),
		summary: "Invalid annotation", path: `spec.template.metadata.annotations["-note"]`,
		agent: set("pod_annotations", obj{"-note": "x"}), agentPath: `pod_annotations["-note"]`},
	{name: "pod label value with a space", daemonSet: set("spec.template.metadata.labels", obj{"app": "agent", "tier": "node agent"}),
		summary: "Invalid label", path: `spec.template.metadata.labels["tier"]`},
	{name: "no selector", daemonSet: set("spec.selector", nil), summary: "Missing selector", path: "spec.selector"},
	{name: "selector that misses the pod labels", daemonSet: set("spec.selector.match_labels", obj{"app": "other"}),
		summary: "Selector does not match the pod template", path: "spec.selector"},
	{name: "selector with an unknown operator", daemonSet: set("spec.selector.match_expressions", list{obj{"key": "app", "operator": "Equals", "values": list{"agent"}}}),
		summary: "Invalid selector", path: "spec.selector"},
	{name: "selector In without values", daemonSet: set("spec.selector.match_expressions", list{obj{"key": "app", "operator": "In"}}),
		summary: "Invalid selector", path: "spec.selector"},

	// Containers and images.
	{name: "no containers", daemonSet: podSpec("containers", list{}), summary: "No containers", path: podSpecAt + ".containers"},
	{name: "container name with capitals", daemonSet: container("name", "Agent"), summary: "Invalid container name", path: containerPath + ".name"},
	{name: "container name used twice", daemonSet: podSpec("init_containers", list{obj{"name": "agent", "image": testImage}}),
		summary: "Duplicate container name", path: containerPath + ".name"},
	{name: "blank image", daemonSet: container("image", " "), summary: "Invalid container image", path: containerPath + ".image",
		agent: set("image", " "), agentPath: "image"},
	{name: "image with trailing space", daemonSet: container("image", testImage+" "), summary: "Invalid container image", path: containerPath + ".image",
		agent: set("image", testImage+" "), agentPath: "image"},
	{name: "image with a space inside", daemonSet: container("image", "fluent bit:3.2"), summary: "Invalid container image", path: containerPath + ".image",
		agent: set("image", "fluent bit:3.2"), agentPath: "image", serverAccepts: "the kubelet cannot pull it: InvalidImageName on every node"},
	{name: "unknown image pull policy", daemonSet: container("image_pull_policy", "Sometimes"), summary: "Invalid image pull policy", path: containerPath + ".image_pull_policy",
		agent: set("image_pull_policy", "Sometimes"), agentPath: "image_pull_policy"},
	{name: "env name with =", daemonSet: container("env", list{obj{"name": "A=B", "value": "x"}}), summary: "Invalid environment variable name",
		path: containerPath + ".env[0].name", agent: set("env", obj{"A=B": "x"}), agentPath: `env["A=B"]`},
	{name: "capability that is not one", daemonSet: container("security_context", obj{"capabilities": obj{"add": list{"NOT_A_CAP"}}}),
		summary: "Invalid Linux capability", path: containerPath + ".security_context.capabilities.add[0]",
		agent: set("capabilities", list{"NOT_A_CAP"}), agentPath: "capabilities[0]", serverAccepts: "the container runtime refuses it, in every pod"},
	{name: "capability with the CAP_ prefix", daemonSet: container("security_context", obj{"capabilities": obj{"add": list{"CAP_SYS_ADMIN"}}}),
		summary: "Invalid Linux capability", path: containerPath + ".security_context.capabilities.add[0]",
		agent: set("capabilities", list{"CAP_SYS_ADMIN"}), agentPath: "capabilities[0]", serverAccepts: "the runtime would add CAP_CAP_SYS_ADMIN, which does not exist"},

	// Quantities.
	{name: "CPU limit with an unknown suffix", daemonSet: container("resources", obj{"limits": obj{"cpu": "1.5x"}}),
		summary: "Invalid Kubernetes quantity", path: containerPath + `.resources.limits["cpu"]`,
		serverJSON: container("resources", obj{"limits": obj{"cpu": "1.5x"}}),
		agent:      set("resources", obj{"cpu_limit": "1.5x"}), agentPath: "resources.cpu_limit"},
	{name: "memory request in words", daemonSet: container("resources", obj{"requests": obj{"memory": "lots"}}),
		summary: "Invalid Kubernetes quantity", path: containerPath + `.resources.requests["memory"]`,
		serverJSON: container("resources", obj{"requests": obj{"memory": "lots"}})},
	{name: "negative memory limit", daemonSet: container("resources", obj{"limits": obj{"memory": "-1Gi"}}),
		summary: "Invalid resource quantity", path: containerPath + `.resources.limits["memory"]`,
		agent: set("resources", obj{"memory_limit": "-1Gi", "memory_request": "-2Gi"}), agentPath: "resources.memory_limit"},
	{name: "CPU request above its limit", daemonSet: container("resources", obj{"requests": obj{"cpu": "2"}, "limits": obj{"cpu": "1"}}),
		summary: "Resource request exceeds its limit", path: containerPath + `.resources.requests["cpu"]`,
		agent: set("resources", obj{"cpu_request": "2", "cpu_limit": "1"}), agentPath: "resources.cpu_request"},
	{name: "request above the limit, with the agent's default limit", daemonSet: container("resources", obj{"requests": obj{"memory": "512Mi"}, "limits": obj{"memory": "256Mi"}}),
		summary: "Resource request exceeds its limit", path: containerPath + `.resources.requests["memory"]`,
		agent: set("resources", obj{"memory_request": "512Mi"}), agentPath: "resources.memory_request"},

	// Probes.
	{name: "probe without a handler", daemonSet: container("readiness_probe", obj{"period_seconds": 5}), summary: "Invalid probe", path: containerPath + ".readiness_probe",
		agent: set("readiness_probe", obj{"period_seconds": 5}), agentPath: "readiness_probe"},
	{name: "readiness probe with two handlers", daemonSet: container("readiness_probe", obj{"exec": obj{"command": list{"true"}}, "http_get": obj{"port": "8080"}}),
		summary: "Invalid probe", path: containerPath + ".readiness_probe",
		agent: set("readiness_probe", obj{"exec": obj{"command": list{"true"}}, "http_get": obj{"port": 8080}}), agentPath: "readiness_probe"},
	{name: "probe with two handlers", daemonSet: container("liveness_probe", obj{"exec": obj{"command": list{"true"}}, "tcp_socket": obj{"port": "8080"}}),
		summary: "Invalid probe", path: containerPath + ".liveness_probe"},
	{name: "probe port 0", daemonSet: container("liveness_probe", obj{"http_get": obj{"port": "0"}}), summary: "Invalid port", path: containerPath + ".liveness_probe.http_get.port"},
	{name: "probe port above 65535", daemonSet: container("readiness_probe", obj{"http_get": obj{"port": "70000"}}), summary: "Invalid port", path: containerPath + ".readiness_probe.http_get.port",
		agent: set("readiness_probe", obj{"http_get": obj{"port": 70000}}), agentPath: "readiness_probe.http_get.port"},
	{name: "probe port name with an underscore", daemonSet: container("startup_probe", obj{"tcp_socket": obj{"port": "metrics_port"}}),
		summary: "Invalid port", path: containerPath + ".startup_probe.tcp_socket.port"},
	{name: "negative probe period", daemonSet: container("readiness_probe", obj{"exec": obj{"command": list{"true"}}, "period_seconds": -1}),
		summary: "Invalid number", path: containerPath + ".readiness_probe.period_seconds"},
	{name: "liveness probe needing two successes", daemonSet: container("liveness_probe", obj{"exec": obj{"command": list{"true"}}, "success_threshold": 2}),
		summary: "Invalid probe setting", path: containerPath + ".liveness_probe.success_threshold"},
	{name: "exec probe without a command", daemonSet: container("readiness_probe", obj{"exec": obj{"command": list{}}}),
		summary: "Missing probe command", path: containerPath + ".readiness_probe.exec.command",
		agent: set("readiness_probe", obj{"exec": obj{"command": list{}}}), agentPath: "readiness_probe.exec.command"},

	// Ports.
	{name: "port without a container port", daemonSet: container("ports", list{obj{"name": "metrics"}}), summary: "Missing container port", path: containerPath + ".ports[0].container_port"},
	{name: "container port above 65535", daemonSet: container("ports", list{obj{"container_port": 70000}}), summary: "Invalid port", path: containerPath + ".ports[0].container_port",
		agent: set("ports", list{obj{"container_port": 70000}}), agentPath: "ports[0].container_port"},
	{name: "host port above 65535", daemonSet: container("ports", list{obj{"container_port": 9100, "host_port": 70000}}), summary: "Invalid port", path: containerPath + ".ports[0].host_port",
		agent: set("ports", list{obj{"container_port": 9100, "host_port": 70000}}), agentPath: "ports[0].host_port"},
	{name: "port name longer than 15", daemonSet: container("ports", list{obj{"name": "metrics-endpoint", "container_port": 9100}}),
		summary: "Invalid port name", path: containerPath + ".ports[0].name",
		agent: set("ports", list{obj{"name": "metrics-endpoint", "container_port": 9100}}), agentPath: "ports[0].name"},
	{name: "port protocol HTTP", daemonSet: container("ports", list{obj{"container_port": 9100, "protocol": "HTTP"}}),
		summary: "Invalid port protocol", path: containerPath + ".ports[0].protocol",
		agent: set("ports", list{obj{"container_port": 9100, "protocol": "HTTP"}}), agentPath: "ports[0].protocol"},
	{name: "port name used twice", daemonSet: container("ports", list{obj{"name": "metrics", "container_port": 9100}, obj{"name": "metrics", "container_port": 9101}}),
		summary: "Duplicate port name", path: containerPath + ".ports[1].name",
		agent: set("ports", list{obj{"name": "metrics", "container_port": 9100}, obj{"name": "metrics", "container_port": 9101}}), agentPath: "ports[1].name"},
	{name: "port declared twice", daemonSet: container("ports", list{obj{"container_port": 9100}, obj{"container_port": 9100, "protocol": "TCP"}}),
		summary: "Duplicate port", path: containerPath + ".ports[1].container_port",
		agent: set("ports", list{obj{"container_port": 9100}, obj{"container_port": 9100, "protocol": "TCP"}}), agentPath: "ports[1].container_port"},
	{name: "host port bound twice", daemonSet: container("ports", list{obj{"container_port": 80, "host_port": 8080}, obj{"container_port": 81, "host_port": 8080}}),
		summary: "Duplicate host port", path: containerPath + ".ports[1].host_port",
		agent: set("ports", list{obj{"container_port": 80, "host_port": 8080}, obj{"container_port": 81, "host_port": 8080}}), agentPath: "ports[1].host_port"},
	{name: "host port other than the container port with host networking", daemonSet: func(config obj) {
		podSpec("host_network", true)(config)
		container("ports", list{obj{"container_port": 9100, "host_port": 9200}})(config)
	}, summary: "Host port differs from the container port", path: containerPath + ".ports[0].host_port",
		agent: func(config obj) {
			config["host_network"] = true
			config["ports"] = list{obj{"container_port": 9100, "host_port": 9200}}
		},
		agentPath: "ports[0].host_port"},

	// Tolerations.
	{name: "toleration operator Sometimes", daemonSet: podSpec("tolerations", list{obj{"key": "dedicated", "operator": "Sometimes"}}),
		summary: "Invalid toleration", path: podSpecAt + ".tolerations[0].operator"},
	{name: "toleration Exists with a value", daemonSet: podSpec("tolerations", list{obj{"key": "dedicated", "operator": "Exists", "value": "gpu"}}),
		summary: "Invalid toleration", path: podSpecAt + ".tolerations[0].value"},
	{name: "toleration effect NoRun", daemonSet: podSpec("tolerations", list{obj{"operator": "Exists", "effect": "NoRun"}}),
		summary: "Invalid taint effect", path: podSpecAt + ".tolerations[0].effect"},
	{name: "toleration seconds with NoSchedule", daemonSet: podSpec("tolerations", list{obj{"operator": "Exists", "effect": "NoSchedule", "toleration_seconds": 60}}),
		summary: "Invalid toleration", path: podSpecAt + ".tolerations[0].effect"},
	{name: "toleration key with a space", daemonSet: podSpec("tolerations", list{obj{"key": "dedicated node", "operator": "Exists"}}),
		summary: "Invalid toleration", path: podSpecAt + ".tolerations[0].key"},
	{name: "toleration without key or Exists", daemonSet: podSpec("tolerations", list{obj{"value": "gpu"}}),
		summary: "Invalid toleration", path: podSpecAt + ".tolerations[0].operator"},

	// Volumes and host paths.
	{name: "host path without a path", daemonSet: podSpec("volumes", list{obj{"name": "logs", "host_path": obj{"path": ""}}}),
		summary: "Missing host path", path: podSpecAt + ".volumes[0].host_path.path"},
	{name: "host path climbing out", daemonSet: podSpec("volumes", list{obj{"name": "logs", "host_path": obj{"path": "/var/log/../../etc"}}}),
		summary: "Invalid host path", path: podSpecAt + ".volumes[0].host_path.path",
		agent: set("host_paths", list{obj{"path": "/var/log/../../etc"}}), agentPath: "host_paths[0].path"},
	{name: "host path that is relative", daemonSet: podSpec("volumes", list{obj{"name": "logs", "host_path": obj{"path": "var/log"}}}),
		summary: "Invalid host path", path: podSpecAt + ".volumes[0].host_path.path", serverAccepts: "the kubelet cannot mount it",
		agent: set("host_paths", list{obj{"path": "var/log"}}), agentPath: "host_paths[0].path"},
	{name: "host path of an unknown type", daemonSet: podSpec("volumes", list{obj{"name": "logs", "host_path": obj{"path": "/var/log", "type": "Dir"}}}),
		summary: "Invalid host path type", path: podSpecAt + ".volumes[0].host_path.type",
		agent: set("host_paths", list{obj{"path": "/var/log", "type": "Dir"}}), agentPath: "host_paths[0].type"},
	{name: "two volumes mounted at one path", daemonSet: func(config obj) {
		podSpec("volumes", list{obj{"name": "a", "empty_dir": obj{}}, obj{"name": "b", "empty_dir": obj{}}})(config)
		container("volume_mounts", list{obj{"name": "a", "mount_path": "/data"}, obj{"name": "b", "mount_path": "/data"}})(config)
	}, summary: "Duplicate mount path", path: containerPath + ".volume_mounts[1].mount_path",
		agent: set("host_paths", list{obj{"path": "/var/log", "mount_path": "/data"}, obj{"path": "/srv", "mount_path": "/data"}}), agentPath: "host_paths[1].mount_path"},
	{name: "mount path that is relative", daemonSet: func(config obj) {
		podSpec("volumes", list{obj{"name": "a", "empty_dir": obj{}}})(config)
		container("volume_mounts", list{obj{"name": "a", "mount_path": "data"}})(config)
	}, summary: "Invalid mount path", path: containerPath + ".volume_mounts[0].mount_path", serverAccepts: "the kubelet cannot mount it",
		agent: set("host_paths", list{obj{"path": "/var/log", "mount_path": "host/log"}}), agentPath: "host_paths[0].mount_path"},
	{name: "volume name with capitals", daemonSet: podSpec("volumes", list{obj{"name": "Logs", "host_path": obj{"path": "/var/log"}}}),
		summary: "Invalid volume name", path: podSpecAt + ".volumes[0].name"},
	{name: "mount of an undefined volume", daemonSet: container("volume_mounts", list{obj{"name": "logs", "mount_path": "/var/log"}}),
		summary: "Unknown volume", path: containerPath + ".volume_mounts[0].name"},

	// The DaemonSet spec.
	{name: "negative min_ready_seconds", daemonSet: set("spec.min_ready_seconds", -1), summary: "Invalid number", path: "spec.min_ready_seconds"},
	{name: "negative revision_history_limit", daemonSet: set("spec.revision_history_limit", -1), summary: "Invalid number", path: "spec.revision_history_limit"},
	{name: "update strategy Rolling", daemonSet: set("spec.update_strategy", obj{"type": "Rolling"}), summary: "Invalid update strategy", path: "spec.update_strategy.type"},
	{name: "max_unavailable above 100%", daemonSet: set("spec.update_strategy", obj{"rolling_update": obj{"max_unavailable": "110%"}}),
		summary: "Invalid number or percentage", path: "spec.update_strategy.rolling_update.max_unavailable",
		agent: set("max_unavailable", "110%"), agentPath: "max_unavailable"},
	{name: "max_unavailable 0 without surge", daemonSet: set("spec.update_strategy", obj{"rolling_update": obj{"max_unavailable": "0"}}),
		summary: "Invalid rolling update", path: "spec.update_strategy.rolling_update.max_unavailable",
		agent: set("max_unavailable", "0"), agentPath: "max_unavailable"},
	{name: "max_surge with the default max_unavailable", daemonSet: set("spec.update_strategy", obj{"rolling_update": obj{"max_surge": "1"}}),
		summary: "Invalid rolling update", path: "spec.update_strategy.rolling_update.max_surge",
		agent: set("max_surge", "1"), agentPath: "max_surge"},
	{name: "max_surge with a host port", daemonSet: func(config obj) {
		set("spec.update_strategy", obj{"rolling_update": obj{"max_unavailable": "0", "max_surge": "1"}})(config)
		container("ports", list{obj{"container_port": 9100, "host_port": 9100}})(config)
	}, summary: "Surge with host ports", path: "spec.update_strategy.rolling_update.max_surge", serverAccepts: "every update after the create stalls on the first node",
		agent: func(config obj) {
			config["max_unavailable"], config["max_surge"] = "0", "1"
			config["ports"] = list{obj{"container_port": 9100, "host_port": 9100}}
		}, agentPath: "max_surge"},
	{name: "max_unavailable beyond int32", daemonSet: set("spec.update_strategy", obj{"rolling_update": obj{"max_unavailable": "2147483648"}}),
		summary: "Invalid Kubernetes int-or-string", path: "spec.update_strategy.rolling_update.max_unavailable",
		serverJSON: set("spec.updateStrategy", obj{"type": "RollingUpdate", "rollingUpdate": obj{"maxUnavailable": 2147483648}})},
	{name: "restart policy Never", daemonSet: podSpec("restart_policy", "Never"), summary: "Invalid restart policy", path: podSpecAt + ".restart_policy"},
	{name: "DNS policy Cluster", daemonSet: podSpec("dns_policy", "Cluster"), summary: "Invalid DNS policy", path: podSpecAt + ".dns_policy"},

	// Timeouts and the provider-side arguments.
	{name: "create timeout in words", daemonSet: set("timeouts", obj{"create": "ten minutes"}), summary: "Invalid Attribute Value Time Duration", path: "timeouts.create"},
	{name: "zero update timeout", daemonSet: set("timeouts", obj{"update": "0s"}), summary: "Invalid timeout", path: "timeouts.update"},
	{name: "negative delete timeout", daemonSet: set("timeouts", obj{"delete": "-5m"}), summary: "Invalid timeout", path: "timeouts.delete"},
	{name: "empty field manager", daemonSet: set("field_manager", ""), summary: "Invalid Attribute Value Length", path: "field_manager"},
	{name: "delete propagation Sideways", daemonSet: set("delete_propagation", "Sideways"), summary: "Invalid Attribute Value Match", path: "delete_propagation"},
	{name: "on_failure retry", daemonSet: set("rollout", obj{"on_failure": "retry"}), summary: "Invalid Attribute Value Match", path: "rollout.on_failure",
		agent: set("rollout", obj{"on_failure": "retry"}), agentPath: "rollout.on_failure"},
	{name: "rollback without the wait", daemonSet: each(set("rollout", obj{"on_failure": "rollback"}), set("wait_for_rollout", false)),
		summary: "Rollback needs the wait", path: "rollout.on_failure",
		agent: each(set("rollout", obj{"on_failure": "rollback"}), set("wait_for_rollout", false)), agentPath: "rollout.on_failure"},
	{name: "rollback under OnDelete", daemonSet: each(set("rollout", obj{"on_failure": "rollback"}), set("spec.update_strategy", obj{"type": "OnDelete"})),
		summary: "Rollback needs the RollingUpdate strategy", path: "rollout.on_failure"},

	// The node agent's own rules.
	{name: "node agent name with an underscore", nodeAgent: set("name", "node_agent"), summary: "Invalid node agent name", path: "name"},
	{name: "node agent label it sets itself", nodeAgent: set("labels", obj{"app.kubernetes.io/name": "other"}), summary: "Reserved label", path: `labels["app.kubernetes.io/name"]`},
	{name: "node agent NODE_NAME set twice", nodeAgent: set("env", obj{"NODE_NAME": "x"}), summary: "NODE_NAME is set twice", path: `env["NODE_NAME"]`},
	{name: "node agent on an existing ServiceAccount without its name", nodeAgent: set("create_service_account", false),
		summary: "Missing ServiceAccount name", path: "service_account_name"},

	// Import IDs.
	{name: "import ID without a namespace", importID: "agent", summary: "Invalid import ID"},
	{name: "import ID with three parts", importID: "default/agent/extra", summary: "Invalid import ID"},
	{name: "import ID with an empty namespace", importID: "/agent", summary: "Invalid import ID"},
	{name: "import ID with a namespace in capitals", importID: "Default/agent", summary: "Invalid import ID"},
	{name: "import ID with an invalid name", importID: "default/agent_1", summary: "Invalid import ID"},

	// The provider configuration.
	{name: "host with another scheme", provider: obj{"host": "ftp://kube.example"}, summary: "Invalid Kubernetes configuration", path: "host"},
	{name: "host without a host name", provider: obj{"host": "https://"}, summary: "Invalid Kubernetes configuration", path: "host"},
	{name: "CA that is not PEM", provider: obj{"cluster_ca_certificate": "LS0tLS1CRUdJTg=="}, summary: "Invalid Kubernetes configuration", path: "cluster_ca_certificate"},
	{name: "insecure with a CA", provider: obj{"insecure": true, "cluster_ca_certificate": testCAPEM}, summary: "Invalid Kubernetes configuration", path: "insecure"},
	{name: "client certificate without its key", provider: obj{"client_certificate": testCAPEM}, summary: "Invalid Kubernetes configuration", path: "client_key"},
	{name: "username without password", provider: obj{"username": "admin"}, summary: "Invalid Kubernetes configuration", path: "password"},
	{name: "token with basic authentication", provider: obj{"token": "abc", "username": "admin", "password": "secret"}, summary: "Invalid Kubernetes configuration", path: "token"},
	{name: "token with a line break", provider: obj{"token": "abc\n"}, summary: "Invalid Kubernetes configuration", path: "token"},
	{name: "proxy with another scheme", provider: obj{"proxy_url": "ftp://proxy.example:21"}, summary: "Invalid Kubernetes configuration", path: "proxy_url"},
	{name: "kubeconfig that does not exist", provider: obj{"config_path": "/nonexistent/kubeconfig"}, summary: "Invalid Kubernetes configuration", path: "config_path"},
	{name: "config_path with config_paths", provider: obj{"config_path": "/a", "config_paths": list{"/b"}}, summary: "Invalid Attribute Combination", path: "config_path"},
	{name: "empty config_path", provider: obj{"config_path": ""}, summary: "Invalid Attribute Value Length", path: "config_path"},
	{name: "exec with an unknown API version", provider: obj{"exec": list{obj{"api_version": "v1", "command": "get-token"}}},
		summary: "Invalid Attribute Value Match", path: "exec[0].api_version"},
	{name: "exec with an empty command", provider: obj{"exec": list{obj{"api_version": "client.authentication.k8s.io/v1", "command": ""}}},
		summary: "Invalid Attribute Value Length", path: "exec[0].command"},
}

// testCAPEM is a well-formed self-signed certificate, for the cases about how certificates combine.
var testCAPEM = func() string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	template := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}()

// TestValidationTable sends every case through the provider's protocol server, as Terraform
// would: validation for a resource or the provider configuration (then Configure, where the client
// is built), ImportResourceState for an import ID. Each must give its error, at its path, and the
// server must not panic. Valid configurations that set every field the cases break must pass.
func TestValidationTable(t *testing.T) {
	if len(invalidCases) < 40 {
		t.Fatalf("%d cases, want at least 40", len(invalidCases))
	}
	// Only the configuration under test counts, not the environment's KUBE_* variables.
	isolateProviderEnv(t)
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for typeName, config := range map[string]obj{
		"kubedaemon_daemonset":  validDaemonSet(),
		"kubedaemon_node_agent": {"name": "agent", "image": testImage, "host_paths": list{obj{"path": "/var/log"}}},
	} {
		resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
			TypeName: typeName,
			Config:   dynamicValue(t, schemas.ResourceSchemas[typeName].ValueType(), config),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range resp.Diagnostics {
			t.Errorf("a valid %s: %s at %q: %s", typeName, d.Summary, pathString(d.Attribute), d.Detail)
		}
	}
	for _, tc := range invalidCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, rc := range tc.resources() {
				var diags []*tfprotov6.Diagnostic
				if tc.provider != nil || tc.importID != "" {
					diags = tc.validate(t, ctx, server, schemas)
				} else {
					diags = validateResource(t, ctx, server, schemas, rc)
				}
				checkOneError(t, rc.typeName, diags, tc.summary, rc.path)
			}
		})
	}
}

// checkOneError expects the error summary at path among diags, once: a finding reported twice
// would print twice.
func checkOneError(t *testing.T, typeName string, diags []*tfprotov6.Diagnostic, summary, path string) {
	t.Helper()
	found := 0
	var got []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError && d.Summary == summary && pathString(d.Attribute) == path {
			found++
		}
		got = append(got, fmt.Sprintf("%s at %q: %s", d.Summary, pathString(d.Attribute), d.Detail))
	}
	if found != 1 {
		t.Errorf("%s: want the error %q at %q once, got:\n  %s", typeName, summary, path, strings.Join(got, "\n  "))
	}
}

// validateResource makes the requests terraform plan makes for a new resource: the node agent's
// DaemonSet rules run on its plan, where its defaults are filled in.
func validateResource(t *testing.T, ctx context.Context, server tfprotov6.ProviderServer, schemas *tfprotov6.GetProviderSchemaResponse, rc resourceCase) []*tfprotov6.Diagnostic {
	t.Helper()
	if rc.typeName == "kubedaemon_node_agent" {
		diags, _ := agentPlanRequests(t, rc.config)
		return diags
	}
	resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: rc.typeName,
		Config:   dynamicValue(t, schemas.ResourceSchemas[rc.typeName].ValueType(), rc.config),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Diagnostics
}

// validate makes the requests Terraform makes, for a provider or import case, before any that
// needs the cluster, and returns their diagnostics.
func (tc invalidCase) validate(t *testing.T, ctx context.Context, server tfprotov6.ProviderServer, schemas *tfprotov6.GetProviderSchemaResponse) []*tfprotov6.Diagnostic {
	t.Helper()
	switch {
	case tc.importID != "":
		resp, err := server.ImportResourceState(ctx, &tfprotov6.ImportResourceStateRequest{TypeName: "kubedaemon_daemonset", ID: tc.importID})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	case tc.provider != nil:
		config := dynamicValue(t, schemas.Provider.ValueType(), tc.provider)
		validated, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: config})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(validated.Diagnostics, isError) {
			return validated.Diagnostics
		}
		configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: config})
		if err != nil {
			t.Fatal(err)
		}
		return configured.Diagnostics
	default:
		t.Fatalf("%s: not a provider or import case", tc.name)
		return nil
	}
}

func isError(d *tfprotov6.Diagnostic) bool { return d.Severity == tfprotov6.DiagnosticSeverityError }

func dynamicValue(t *testing.T, typ tftypes.Type, config obj) *tfprotov6.DynamicValue {
	t.Helper()
	value, err := terraformValue(typ, config)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := tfprotov6.NewDynamicValue(typ, value)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// terraformValue converts a configuration written as Go values into a value of typ, as Terraform
// would send it: obj for objects and maps (map[string]string too), list for lists and sets, string,
// bool and int, and unknown for a value not known yet; attributes left out are null.
func terraformValue(typ tftypes.Type, v any) (tftypes.Value, error) {
	switch v.(type) {
	case nil:
		return tftypes.NewValue(typ, nil), nil
	case unknownValue:
		return tftypes.NewValue(typ, tftypes.UnknownValue), nil
	}
	switch typ := typ.(type) {
	case tftypes.Object:
		given, ok := v.(obj)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want an object, got %T", v)
		}
		attributes := map[string]tftypes.Value{}
		for name, attrType := range typ.AttributeTypes {
			value, err := terraformValue(attrType, given[name])
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", name, err)
			}
			attributes[name] = value
		}
		for name := range given {
			if _, ok := typ.AttributeTypes[name]; !ok {
				return tftypes.Value{}, fmt.Errorf("the schema has no attribute %q", name)
			}
		}
		return tftypes.NewValue(typ, attributes), nil
	case tftypes.List:
		return elements(typ, typ.ElementType, v)
	case tftypes.Set:
		return elements(typ, typ.ElementType, v)
	case tftypes.Map:
		if strings, ok := v.(map[string]string); ok {
			m := obj{}
			for k, e := range strings {
				m[k] = e
			}
			v = m
		}
		given, ok := v.(obj)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a map, got %T", v)
		}
		values := map[string]tftypes.Value{}
		for key, e := range given {
			value, err := terraformValue(typ.ElementType, e)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%q]: %w", key, err)
			}
			values[key] = value
		}
		return tftypes.NewValue(typ, values), nil
	}
	if n, ok := v.(int); ok {
		v = big.NewFloat(float64(n))
	}
	if err := tftypes.ValidateValue(typ, v); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(typ, v), nil
}

// unknownValue stands for a value Terraform does not know at plan time, e.g. another resource's ID.
type unknownValue struct{}

var unknown unknownValue

func elements(typ, elementType tftypes.Type, v any) (tftypes.Value, error) {
	given, ok := v.(list)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("want a list, got %T", v)
	}
	values := make([]tftypes.Value, len(given))
	for i, e := range given {
		value, err := terraformValue(elementType, e)
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("[%d]: %w", i, err)
		}
		values[i] = value
	}
	return tftypes.NewValue(typ, values), nil
}

// pathString writes an attribute path as spec.containers[0].resources.limits["cpu"].
func pathString(p *tftypes.AttributePath) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, step := range p.Steps() {
		switch step := step.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(step))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", step)
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(step))
		default:
			fmt.Fprintf(&b, "[%v]", step)
		}
	}
	return b.String()
}

// TestAccValidationTable plans every case with Terraform itself, against a provider whose host is a
// listener that only counts connections: each case must fail with its summary, and no request may
// reach the listener.
func TestAccValidationTable(t *testing.T) {
	skipUnlessAcc(t)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	var connections atomic.Int64
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			connections.Add(1)
			_ = conn.Close()
		}
	}()
	host := "https://" + listener.Addr().String()
	for _, tc := range invalidCases {
		for _, rc := range tc.resources() {
			t.Run(tc.name+"/"+rc.typeName, func(t *testing.T) { planRefused(t, tc, rc, host, &connections) })
		}
	}
}

// planRefused plans one configuration of a case with Terraform: it must fail with the case's
// summary, and open no connection to host.
func planRefused(t *testing.T, tc invalidCase, rc resourceCase, host string, connections *atomic.Int64) {
	step := resource.TestStep{ExpectError: regexp.MustCompile(`Error: ` + wrapped(tc.summary)), PlanOnly: true}
	// Any request the provider made would go to the listener, unless the case sets a host.
	providerArguments := obj{"host": host}
	maps.Copy(providerArguments, tc.provider)
	if tc.importID != "" {
		step.PlanOnly, step.ResourceName, step.ImportState, step.ImportStateId = false, daemonSetAddress, true, tc.importID
	}
	step.Config = hclBlock(`provider "kubedaemon"`, providerArguments) + hclBlock(`resource "`+rc.typeName+`" "test"`, rc.config)
	if tc.importID != "" {
		step.Config = testedProviderRequirement() + step.Config
	}
	before := connections.Load()
	// Deferred, so that it also runs when resource.Test fails the case.
	defer func() {
		if n := connections.Load() - before; n > 0 {
			t.Errorf("the provider opened %d connections to the cluster for a configuration it should refuse before", n)
		}
	}()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps:                    []resource.TestStep{step},
	})
}

// hclBlock renders a block whose arguments are given as Go values; the provider's exec is a nested
// block, everything else an attribute.
func hclBlock(header string, arguments obj) string {
	var b strings.Builder
	b.WriteString(header + " {\n")
	for _, name := range slices.Sorted(maps.Keys(arguments)) {
		if blocks, ok := arguments[name].(list); ok && name == "exec" {
			for _, block := range blocks {
				nested, _ := block.(obj)
				b.WriteString("  " + strings.ReplaceAll(hclBlock("exec", nested), "\n", "\n  ") + "\n")
			}
			continue
		}
		fmt.Fprintf(&b, "  %s = %s\n", name, hclValue(arguments[name], "  "))
	}
	return b.String() + "}\n"
}

// hclValue renders a value as an HCL expression.
func hclValue(v any, indent string) string {
	switch v := v.(type) {
	case obj:
		if len(v) == 0 {
			return "{}"
		}
		var b strings.Builder
		b.WriteString("{\n")
		for _, key := range slices.Sorted(maps.Keys(v)) {
			fmt.Fprintf(&b, "%s  %s = %s\n", indent, hclString(key), hclValue(v[key], indent+"  "))
		}
		return b.String() + indent + "}"
	case list:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = hclValue(item, indent)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case string:
		return hclString(v)
	default:
		return fmt.Sprint(v)
	}
}

// TestAccValidationTable_apiServerAgrees checks the rules against the API server they mirror: the
// server must refuse every resource case whose object can be built, in a server-side dry run, either
// the DaemonSet itself or the pods the controller would make from it (the server requires an image
// of a pod, not of a template); it must accept the valid configuration and its pods. Cases about
// provider-side arguments (timeouts, field manager) or values the schema types refuse before an
// object exists have no server verdict.
func TestAccValidationTable_apiServerAgrees(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ctx := context.Background()
	var schemaResp fwresource.SchemaResponse
	NewDaemonSetResource().Schema(ctx, fwresource.SchemaRequest{}, &schemaResp)
	dryRun := metav1.DryRunAll
	build := func(t *testing.T, config obj) (daemonSetModel, *appsv1ac.DaemonSetApplyConfiguration, diag.Diagnostics) {
		t.Helper()
		raw, err := terraformValue(schemaResp.Schema.Type().TerraformType(ctx), config)
		if err != nil {
			t.Fatal(err)
		}
		var m daemonSetModel
		diags := tfsdk.Plan{Schema: schemaResp.Schema, Raw: raw}.Get(ctx, &m)
		ac, d := m.applyConfiguration(ctx)
		diags.Append(d...)
		return m, ac, diags
	}
	// applyJSON sends the base DaemonSet's JSON with change made to it.
	applyJSON := func(t *testing.T, change func(obj)) error {
		t.Helper()
		_, ac, diags := build(t, baseDaemonSet())
		if diags.HasError() {
			t.Fatal(diags)
		}
		encoded, err := json.Marshal(ac)
		if err != nil {
			t.Fatal(err)
		}
		var ds obj
		if err := json.Unmarshal(encoded, &ds); err != nil {
			t.Fatal(err)
		}
		change(ds)
		if encoded, err = json.Marshal(ds); err != nil {
			t.Fatal(err)
		}
		return cs.AppsV1().RESTClient().Patch(types.ApplyPatchType).Namespace(*ac.Namespace).Resource("daemonsets").Name(*ac.Name).
			Param("fieldManager", "kubedaemon-test").Param("dryRun", dryRun).Body(encoded).Do(ctx).Error()
	}
	// apply sends the configuration as the provider would, then one of the pods it would make. A value
	// the Go types cannot hold leaves no object to send: serverJSON then says where it goes in JSON.
	apply := func(t *testing.T, config obj, serverJSON func(obj)) error {
		t.Helper()
		m, ac, diags := build(t, config)
		if diags.HasError() {
			if serverJSON == nil {
				t.Fatalf("the provider builds no object (%v), and the case gives no serverJSON to ask the API server with", diags)
			}
			return applyJSON(t, serverJSON)
		}
		if _, err := cs.AppsV1().DaemonSets(*ac.Namespace).Apply(ctx, ac,
			metav1.ApplyOptions{FieldManager: "kubedaemon-test", DryRun: []string{dryRun}}); err != nil {
			return err
		}
		ds, diags := m.daemonSetObject(ctx)
		if diags.HasError() {
			t.Fatal(diags)
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "agent-", Labels: ds.Spec.Template.Labels}, Spec: ds.Spec.Template.Spec}
		_, err := cs.CoreV1().Pods(ds.Namespace).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{dryRun}})
		return err
	}
	t.Run("valid", func(t *testing.T) {
		if err := apply(t, validDaemonSet(), nil); err != nil {
			t.Errorf("the API server refuses the valid configuration: %v", err)
		}
	})
	for _, tc := range invalidCases {
		if tc.daemonSet == nil || !strings.HasPrefix(tc.path, "spec") && !strings.HasPrefix(tc.path, "metadata") {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			config := baseDaemonSet()
			tc.daemonSet(config)
			err := apply(t, config, tc.serverJSON)
			if tc.serverAccepts != "" {
				if err != nil {
					t.Errorf("the API server now refuses what the rule says it accepts (%s): %v", tc.serverAccepts, err)
				}
				return
			}
			// An invalid namespace name is one no namespace can have: the server finds none.
			// A value its Go types cannot hold fails the server's decoding of the apply patch, which it
			// answers with 500 Internal Error; so does a list whose entries share the key that server-side
			// apply merges them by (two mounts at one path).
			refused := apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) ||
				apierrors.IsNotFound(err) && strings.HasPrefix(tc.path, "metadata.namespace") ||
				tc.serverJSON != nil && apierrors.IsInternalError(err) && strings.Contains(err.Error(), "unable to convert unstructured object") ||
				apierrors.IsInternalError(err) && strings.Contains(err.Error(), "duplicate entries for key")
			if !refused {
				t.Errorf("the provider refuses it with %q at %s, the API server answers %v", tc.summary, tc.path, err)
			}
		})
	}
}
