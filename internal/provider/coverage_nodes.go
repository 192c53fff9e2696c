package provider

import (
	"errors"
	"math/big"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// withNodes returns state, the data source's value, with its nodes attribute holding the report of
// each node, and its wave (assigned, 0 for the first; nil without waves). The list is built as Terraform values directly: built as framework values and set
// through the model, 5,000 nodes cost the provider more CPU than reading them from the API server.
func withNodes(state tftypes.Value, nodes []coverage.NodeReport, assigned map[string]int) (tftypes.Value, error) {
	var attributes map[string]tftypes.Value
	if err := state.As(&attributes); err != nil {
		return state, err
	}
	object, _ := state.Type().(tftypes.Object)
	list, ok := object.AttributeTypes["nodes"].(tftypes.List)
	if !ok {
		return state, errors.New("the data source's value has no list of nodes")
	}
	elements := make([]tftypes.Value, 0, len(nodes))
	for i, n := range nodes {
		var ineligible string
		if !n.Eligible {
			ineligible = string(n.Reason)
		}
		element := map[string]tftypes.Value{
			"name":              tftypes.NewValue(tftypes.String, n.Name),
			"eligible":          tftypes.NewValue(tftypes.Bool, n.Eligible),
			"ineligible_reason": optionalString(ineligible),
			"node_ready":        tftypes.NewValue(tftypes.Bool, n.NodeReady),
			"counted":           tftypes.NewValue(tftypes.Bool, n.Counted),
			"covered":           tftypes.NewValue(tftypes.Bool, n.Covered),
			"pod":               optionalString(n.Pod),
			"pod_phase":         optionalString(n.PodPhase),
			"pod_ready":         tftypes.NewValue(tftypes.Bool, n.PodReady),
			"current_revision":  tftypes.NewValue(tftypes.Bool, n.CurrentRevision),
			"reason":            optionalString(string(n.Reason)),
			"message":           optionalString(n.Message),
			"wave":              tftypes.NewValue(tftypes.Number, nil),
		}
		if w, ok := assigned[n.Name]; ok {
			element["wave"] = tftypes.NewValue(tftypes.Number, big.NewFloat(float64(w+1)))
		}
		// Every element has these attributes and types, so the first shows whether they are the
		// schema's; NewValue would panic on a mismatch.
		if i == 0 {
			if err := tftypes.ValidateValue(list.ElementType, element); err != nil {
				return state, err
			}
		}
		elements = append(elements, tftypes.NewValue(list.ElementType, element))
	}
	attributes["nodes"] = tftypes.NewValue(list, elements)
	return tftypes.NewValue(state.Type(), attributes), nil
}

// optionalString maps the empty string to null, so "no pod" reads as null rather than "".
func optionalString(s string) tftypes.Value {
	if s == "" {
		return tftypes.NewValue(tftypes.String, nil)
	}
	return tftypes.NewValue(tftypes.String, s)
}
