package provider

import (
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeschema"
)

// addFindings reports the engine's findings as errors at the attributes they are about. at maps a
// DaemonSet field to the resource's attribute; held, when given, reports the fields built from
// values not known yet, whose findings wait until they are.
func addFindings(diags *diag.Diagnostics, findings daemonset.Findings, at func(daemonset.Path) path.Path, held func(daemonset.Path) bool) {
	for _, f := range findings {
		if held != nil && (held(f.Path) || slices.ContainsFunc(f.Involves, held)) {
			continue
		}
		diags.AddAttributeError(at(f.Path), f.Summary, f.Detail)
	}
}

// daemonSetAttributePath is where a DaemonSet field is in kubedaemon_daemonset, whose attributes
// are the object's fields in snake_case.
func daemonSetAttributePath(p daemonset.Path) path.Path { return below(path.Empty(), p) }

// below follows the steps of p from base, field names becoming attribute names.
func below(base path.Path, p daemonset.Path) path.Path {
	out := base
	for _, s := range p {
		switch s.Kind {
		case daemonset.FieldStep:
			out = out.AtName(kubeschema.AttributeName(s.Field))
		case daemonset.IndexStep:
			out = out.AtListIndex(s.Index)
		default:
			out = out.AtMapKey(s.Key)
		}
	}
	return out
}
