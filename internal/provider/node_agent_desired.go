package provider

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// desiredObject is the agent's DaemonSet as the apply request carries it: its apply
// configuration's JSON, with the empty lists and maps the configuration sets.
func (m *nodeAgentModel) desiredObject(ctx context.Context) (map[string]any, diag.Diagnostics) {
	ac, diags := m.applyConfiguration(ctx)
	if diags.HasError() {
		return nil, diags
	}
	out, d := applyConfigurationJSON(ac)
	diags.Append(d...)
	if diags.HasError() {
		return nil, diags
	}
	// Apply configurations leave them out; sent, they are owned by the field manager and an
	// import reads them as written. (An empty ports list would be in vain: server-side apply
	// records no path for an empty keyed list.)
	container := []string{"spec", "template", "spec", "containers", "0"}
	for at, v := range map[string]attr.Value{
		"command":                          m.Command,
		"args":                             m.Args,
		"securityContext.capabilities.add": m.Capabilities,
	} {
		if knownEmpty(v) {
			setJSON(out, append(slices.Clone(container), strings.Split(at, ".")...), []any{})
		}
	}
	for at, v := range map[string]attr.Value{
		"metadata.annotations":               m.Annotations,
		"spec.template.metadata.annotations": m.PodAnnotations,
		"spec.template.spec.nodeSelector":    m.NodeSelector,
	} {
		if knownEmpty(v) {
			setJSON(out, strings.Split(at, "."), map[string]any{})
		}
	}
	// These leave no trace on the DaemonSet when empty; the record keeps their names, for an
	// import (see recordedEmpties).
	var empty []string
	for name, v := range m.unseenWhenEmpty() {
		if knownEmpty(v) {
			empty = append(empty, name)
		}
	}
	if empty != nil {
		slices.Sort(empty)
		out[daemonset.EmptyAttributesKey] = empty
	}
	recordWaves(out, m.Rollout)
	return out, diags
}

// unseenWhenEmpty are the agent's collections whose empty value the DaemonSet cannot show: labels
// and env beside the agent's own entries (the selector labels, NODE_NAME), host paths spread over
// volumes and mounts, and an empty keyed list (ports), for which server-side apply records no path.
func (m *nodeAgentModel) unseenWhenEmpty() map[string]attr.Value {
	return map[string]attr.Value{"labels": m.Labels, "env": m.Env, "host_paths": m.HostPaths, "ports": m.Ports}
}

// recordedEmpties sets, right after an import of a DaemonSet the agent applied, the collections
// its record lists as configured empty to that empty value, as the prior value the reads keep
// where the object shows nothing.
func (m *nodeAgentModel) recordedEmpties(ctx context.Context, recorded map[string]any, diags *diag.Diagnostics) {
	names, _ := recorded[daemonset.EmptyAttributesKey].([]any)
	for _, name := range names {
		at := path.Root(fmt.Sprint(name))
		switch name {
		case "labels":
			valueFrom(ctx, at, map[string]string{}, &m.Labels, diags)
		case "env":
			valueFrom(ctx, at, map[string]string{}, &m.Env, diags)
		case "host_paths":
			valueFrom(ctx, at, []hostPathModel{}, &m.HostPaths, diags)
		case "ports":
			valueFrom(ctx, at, []agentPortModel{}, &m.Ports, diags)
		}
	}
}

// knownEmpty reports a known, empty list or map.
func knownEmpty(v attr.Value) bool {
	switch v := v.(type) {
	case types.List:
		return !v.IsNull() && !v.IsUnknown() && len(v.Elements()) == 0
	case types.Map:
		return !v.IsNull() && !v.IsUnknown() && len(v.Elements()) == 0
	}
	return false
}

// setJSON sets the value at the path in a JSON object, through objects and list indexes ("0"),
// creating the objects on the way.
func setJSON(obj map[string]any, at []string, value any) {
	var cur any = obj
	for i, key := range at {
		last := i == len(at)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[key] = value
				return
			}
			next, ok := c[key]
			if !ok || next == nil {
				next = map[string]any{}
				c[key] = next
			}
			cur = next
		case []any:
			index, err := strconv.Atoi(key)
			if err != nil || index >= len(c) {
				return
			}
			cur = c[index]
		default:
			return
		}
	}
}
