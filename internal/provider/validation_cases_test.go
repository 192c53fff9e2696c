package provider

import (
	"strings"
)

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
	{name: "the provider's own annotation", daemonSet: set("metadata.annotations", obj{"kubedaemon.io/applied-configuration": "{}"}),
		summary: "Reserved annotation", path: `metadata.annotations["kubedaemon.io/applied-configuration"]`,
		agent: set("annotations", obj{"kubedaemon.io/applied-configuration": "{}"}), agentPath: `annotations["kubedaemon.io/applied-configuration"]`,
		serverAccepts: "every apply writes the configuration it sends there, over the configured value"},
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
	{name: "waves under RollingUpdate", daemonSet: each(set("rollout", obj{"waves": list{obj{}}}), set("spec.update_strategy", obj{"type": "RollingUpdate"})),
		summary: "Staged rollouts need the OnDelete update strategy", path: "spec.update_strategy.type",
		serverAccepts: "the controller would replace every pod itself, past the waves"},
	{name: "waves with a rolling update", daemonSet: each(set("rollout", obj{"waves": list{obj{}}}), set("spec.update_strategy", obj{"rolling_update": obj{"max_unavailable": "1"}})),
		summary: "Staged rollouts need the OnDelete update strategy", path: "spec.update_strategy.type",
		serverAccepts: "the API server makes it RollingUpdate, whose controller would replace every pod itself"},
	{name: "empty wave before the last", daemonSet: each(set("rollout", obj{"waves": list{obj{}, obj{}}}), set("spec.update_strategy", obj{"type": "OnDelete"})),
		summary: "Empty wave", path: "rollout.waves[0]",
		agent: set("rollout", obj{"waves": list{obj{}, obj{}}}), agentPath: "rollout.waves[0]"},
	{name: "wave of 0 percent", daemonSet: each(set("rollout", obj{"waves": list{obj{"percent": 0}, obj{}}}), set("spec.update_strategy", obj{"type": "OnDelete"})),
		summary: "Invalid Attribute Value", path: "rollout.waves[0].percent",
		agent: set("rollout", obj{"waves": list{obj{"percent": 101}, obj{}}}), agentPath: "rollout.waves[0].percent"},
	{name: "wave with a percent and a count", daemonSet: each(set("rollout", obj{"waves": list{obj{"percent": 10, "count": 2}, obj{}}}), set("spec.update_strategy", obj{"type": "OnDelete"})),
		summary: "Invalid Attribute Combination", path: "rollout.waves[0].percent",
		agent: set("rollout", obj{"waves": list{obj{"percent": 10, "count": 2}, obj{}}}), agentPath: "rollout.waves[0].percent"},
	{name: "bake in words", daemonSet: each(set("rollout", obj{"waves": list{obj{"bake": "two minutes"}}}), set("spec.update_strategy", obj{"type": "OnDelete"})),
		summary: "Invalid bake", path: "rollout.waves[0].bake",
		agent: set("rollout", obj{"waves": list{obj{"bake": "-1m"}}}), agentPath: "rollout.waves[0].bake"},
	{name: "wave match expression In without values", daemonSet: each(set("rollout", obj{"waves": list{obj{"match_expressions": list{obj{"key": "pool", "operator": "In"}}}, obj{}}}), set("spec.update_strategy", obj{"type": "OnDelete"})),
		summary: "Invalid match expression", path: "rollout.waves[0].match_expressions[0]",
		agent: set("rollout", obj{"waves": list{obj{"match_expressions": list{obj{"key": "pool", "operator": "In"}}}, obj{}}}), agentPath: "rollout.waves[0].match_expressions[0]"},
	{name: "waves without the wait", daemonSet: each(set("rollout", obj{"waves": list{obj{}}}), set("spec.update_strategy", obj{"type": "OnDelete"}), set("wait_for_rollout", false)),
		summary: "Staged rollouts need the wait", path: "rollout.waves",
		agent: each(set("rollout", obj{"waves": list{obj{}}}), set("wait_for_rollout", false)), agentPath: "rollout.waves"},
	{name: "wave budget not a number", daemonSet: each(set("rollout", obj{"waves": list{obj{}}, "max_unavailable": "some"}), set("spec.update_strategy", obj{"type": "OnDelete"})),
		summary: "Invalid number or percentage", path: "rollout.max_unavailable",
		agent: set("rollout", obj{"waves": list{obj{}}, "max_unavailable": "some"}), agentPath: "rollout.max_unavailable"},
	{name: "node agent rolling update budget under waves", nodeAgent: each(set("rollout", obj{"waves": list{obj{}}}), set("max_surge", "1")),
		summary: "Rolling update budget under waves", path: "max_surge"},

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
