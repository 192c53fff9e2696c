package provider

import (
	"maps"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestNodeAgentValidateConfig sends configurations through the provider's ValidateResourceConfig and
// PlanResourceChange, as terraform plan does, and expects each mistake reported at its attribute.
func TestNodeAgentValidateConfig(t *testing.T) {
	root := tftypes.NewAttributePath
	tests := []struct {
		name    string
		changes map[string]any
		at      *tftypes.AttributePath // nil when the configuration is valid
		want    string
	}{
		{"valid", nil, nil, ""},
		{"seed use cases are valid", logCollector, nil, ""},
		{"node exporter", nodeExporter, nil, ""},
		{"storage daemon", storageDaemon, nil, ""},
		{"security agent", securityAgent, nil, ""},
		{"name that is not a label", map[string]any{"name": "agent.v2"}, root().WithAttributeName("name"), "Invalid node agent name"},
		{"empty image", map[string]any{"image": ""}, root().WithAttributeName("image"), "Invalid container image"},
		{"blank image", map[string]any{"image": "  "}, root().WithAttributeName("image"), "Invalid container image"},
		{"relative host path", map[string]any{"host_paths": []any{map[string]any{"path": "var/log"}}},
			root().WithAttributeName("host_paths").WithElementKeyInt(0).WithAttributeName("path"), "not absolute"},
		{"host path with ..", map[string]any{"host_paths": []any{map[string]any{"path": "/var/../etc"}}},
			root().WithAttributeName("host_paths").WithElementKeyInt(0).WithAttributeName("path"), `contains ".."`},
		{"relative mount path", map[string]any{"host_paths": []any{map[string]any{"path": "/proc", "mount_path": "host/proc"}}},
			root().WithAttributeName("host_paths").WithElementKeyInt(0).WithAttributeName("mount_path"), "not absolute"},
		{"duplicate mount path", map[string]any{"host_paths": []any{
			map[string]any{"path": "/var/log"},
			map[string]any{"path": "/srv/log", "mount_path": "/var/log"},
		}}, root().WithAttributeName("host_paths").WithElementKeyInt(1).WithAttributeName("mount_path"), "Two volumes are mounted at /var/log"},
		{"duplicate defaulted mount path", map[string]any{"host_paths": []any{
			map[string]any{"path": "/proc", "mount_path": "/sys"},
			map[string]any{"path": "/sys"},
		}}, root().WithAttributeName("host_paths").WithElementKeyInt(1).WithAttributeName("mount_path"), "Duplicate mount path"},
		{"unknown host path type", map[string]any{"host_paths": []any{map[string]any{"path": "/dev", "type": "Device"}}},
			root().WithAttributeName("host_paths").WithElementKeyInt(0).WithAttributeName("type"), "CharDevice"},
		{"port out of range", map[string]any{"ports": []any{map[string]any{"container_port": 70000}}},
			root().WithAttributeName("ports").WithElementKeyInt(0).WithAttributeName("container_port"), "between 1 and 65535"},
		{"host port out of range", map[string]any{"ports": []any{map[string]any{"container_port": 80, "host_port": 0}}},
			root().WithAttributeName("ports").WithElementKeyInt(0).WithAttributeName("host_port"), "between 1 and 65535"},
		{"duplicate port", map[string]any{"ports": []any{
			map[string]any{"container_port": 9100}, map[string]any{"container_port": 9100, "protocol": "TCP"},
		}}, root().WithAttributeName("ports").WithElementKeyInt(1).WithAttributeName("container_port"), "9100/TCP"},
		{"bad port name", map[string]any{"ports": []any{map[string]any{"name": "Metrics_Port", "container_port": 9100}}},
			root().WithAttributeName("ports").WithElementKeyInt(0).WithAttributeName("name"), "Invalid port name"},
		{"host network host port", map[string]any{"host_network": true, "ports": []any{map[string]any{"container_port": 9100, "host_port": 9200}}},
			root().WithAttributeName("ports").WithElementKeyInt(0).WithAttributeName("host_port"), "must equal container_port"},
		{"probe port out of range", map[string]any{"readiness_probe": map[string]any{"http_get": map[string]any{"port": 0}}},
			root().WithAttributeName("readiness_probe").WithAttributeName("http_get").WithAttributeName("port"), "between 1 and 65535"},
		{"zero initial delay, the Kubernetes default", map[string]any{"readiness_probe": map[string]any{"exec": map[string]any{"command": []any{"true"}}, "initial_delay_seconds": 0}},
			nil, ""},
		{"probe with both handlers", map[string]any{"readiness_probe": map[string]any{
			"http_get": map[string]any{"port": 8080}, "exec": map[string]any{"command": []any{"true"}},
		}}, root().WithAttributeName("readiness_probe"), "sets exec and http_get"},
		{"probe with no handler", map[string]any{"readiness_probe": map[string]any{"period_seconds": 5}},
			root().WithAttributeName("readiness_probe"), "sets none"},
		{"quantity that does not parse", map[string]any{"resources": map[string]any{"memory_limit": "1 GB"}},
			root().WithAttributeName("resources").WithAttributeName("memory_limit"), "Invalid Kubernetes quantity"},
		{"request above the default limit", map[string]any{"resources": map[string]any{"memory_request": "512Mi"}},
			root().WithAttributeName("resources").WithAttributeName("memory_request"), "more than its limit 256Mi"},
		{"request above its limit", map[string]any{"resources": map[string]any{"cpu_request": "1", "cpu_limit": "0.5"}},
			root().WithAttributeName("resources").WithAttributeName("cpu_request"), "cpu request 1 is more than its limit 500m"},
		{"reserved label", map[string]any{"labels": map[string]string{"app.kubernetes.io/name": "other"}},
			root().WithAttributeName("labels").WithElementKeyString("app.kubernetes.io/name"), "Reserved label"},
		{"invalid label", map[string]any{"labels": map[string]string{"tier": "not a value"}},
			root().WithAttributeName("labels").WithElementKeyString("tier"), "Invalid label"},
		{"invalid node selector", map[string]any{"node_selector": map[string]string{"bad key!": "x"}},
			root().WithAttributeName("node_selector").WithElementKeyString("bad key!"), "Invalid label"},
		{"NODE_NAME twice", map[string]any{"env": map[string]string{"NODE_NAME": "x"}},
			root().WithAttributeName("env").WithElementKeyString("NODE_NAME"), "inject_node_name"},
		{"NODE_NAME without injection", map[string]any{"env": map[string]string{"NODE_NAME": "x"}, "inject_node_name": false}, nil, ""},
		{"invalid env name", map[string]any{"env": map[string]string{"A=B": "x"}},
			root().WithAttributeName("env").WithElementKeyString("A=B"), "Invalid environment variable name"},
		{"existing ServiceAccount without a name", map[string]any{"create_service_account": false},
			root().WithAttributeName("service_account_name"), "existing ServiceAccount"},
		{"invalid max_unavailable", map[string]any{"max_unavailable": "ten"},
			root().WithAttributeName("max_unavailable"), "neither a whole number nor a percentage"},
		{"percentage above 100", map[string]any{"max_surge": "150%"},
			root().WithAttributeName("max_surge"), "more than 100%"},
		{"no unavailability and no surge", map[string]any{"max_unavailable": "0%"},
			root().WithAttributeName("max_unavailable"), "cannot both be 0"},
		{"surge with a host port", map[string]any{"max_surge": "1", "max_unavailable": "0", "ports": []any{map[string]any{"container_port": 80, "host_port": 80}}},
			root().WithAttributeName("max_surge"), "Surge with host ports"},
		{"surge with host network ports", map[string]any{"max_surge": "1", "max_unavailable": "0", "host_network": true, "ports": []any{map[string]any{"container_port": 9100}}},
			root().WithAttributeName("max_surge"), "node port 9100"},
		{"surge with the default max_unavailable", map[string]any{"max_surge": "1"},
			root().WithAttributeName("max_surge"), "Invalid rolling update"},
		{"surge alone", map[string]any{"max_surge": "1", "max_unavailable": "0"}, nil, ""},
		{"capability that is not one", map[string]any{"capabilities": []any{"NOT_A_CAP"}},
			root().WithAttributeName("capabilities").WithElementKeyInt(0), "not a Linux capability"},
		{"capability with the CAP_ prefix", map[string]any{"capabilities": []any{"NET_ADMIN", "CAP_SYS_ADMIN"}},
			root().WithAttributeName("capabilities").WithElementKeyInt(1), "without the CAP_ prefix"},
		{"env name starting with a digit, which Kubernetes accepts", map[string]any{"env": map[string]string{"1FOO": "x"}}, nil, ""},
		{"image with a space inside", map[string]any{"image": "fluent bit:3.2"}, root().WithAttributeName("image"), "whitespace"},
		// A rule waits for every value it reads to be known.
		{"max_unavailable 0 with max_surge unknown", map[string]any{"max_unavailable": "0", "max_surge": unknown}, nil, ""},
		{"host port with host_network unknown", map[string]any{"host_network": unknown, "ports": []any{map[string]any{"container_port": 9100, "host_port": 9200}}}, nil, ""},
		{"image unknown", map[string]any{"image": unknown}, nil, ""},
		{"request with its limit unknown", map[string]any{"resources": map[string]any{"cpu_request": "2", "cpu_limit": unknown}}, nil, ""},
		{"ports unknown beside a surge", map[string]any{"max_unavailable": "0", "max_surge": "1", "ports": unknown}, nil, ""},
		{"a known mistake beside an unknown value", map[string]any{"image": unknown, "max_unavailable": "0"},
			root().WithAttributeName("max_unavailable"), "cannot both be 0"},
		{"bad priority class", map[string]any{"priority_class_name": "Critical"},
			root().WithAttributeName("priority_class_name"), "Kubernetes object name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := map[string]any{"name": "agent", "image": testImage}
			maps.Copy(values, tt.changes)
			diags, _ := agentPlanRequests(t, values)
			var found bool
			var all []string
			for _, d := range diags {
				all = append(all, d.Attribute.String()+": "+d.Summary+": "+d.Detail)
				found = found || (d.Severity == tfprotov6.DiagnosticSeverityError && d.Attribute.Equal(tt.at) &&
					strings.Contains(d.Summary+" "+d.Detail, tt.want))
			}
			switch {
			case tt.at == nil && len(diags) > 0:
				t.Errorf("diagnostics for a valid configuration:\n%s", strings.Join(all, "\n"))
			case tt.at != nil && !found:
				t.Errorf("want an error at %s containing %q, got:\n%s", tt.at, tt.want, strings.Join(all, "\n"))
			}
		})
	}
}
