package provider

import (
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/testcert"

	"fmt"
	"strconv"
	"strings"
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

// testCAPEM is a well-formed self-signed certificate, for the cases about how certificates combine.
var testCAPEM = testcert.CAPEM()
