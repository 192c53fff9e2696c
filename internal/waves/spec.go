package waves

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Spec is a wave as a configuration writes it, and as the provider records it on the DaemonSet
// (JSON) for readers that see only the DaemonSet.
type Spec struct {
	NodeSelector     map[string]string                 `json:"nodeSelector,omitempty"`
	MatchExpressions []metav1.LabelSelectorRequirement `json:"matchExpressions,omitempty"`
	Percent          int                               `json:"percent,omitempty"`
	Count            int                               `json:"count,omitempty"`
	// Bake is a Go duration; empty is none.
	Bake string `json:"bake,omitempty"`
}

// Wave is the wave the spec describes, or an error that says what in it is invalid.
func (s Spec) Wave() (Wave, error) {
	w := Wave{Percent: s.Percent, Count: s.Count}
	if s.Bake != "" {
		bake, err := time.ParseDuration(s.Bake)
		if err != nil {
			return w, fmt.Errorf("bake: %w", err)
		}
		w.Bake = bake
	}
	if len(s.NodeSelector) > 0 || len(s.MatchExpressions) > 0 {
		selector, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchLabels: s.NodeSelector, MatchExpressions: s.MatchExpressions})
		if err != nil {
			return w, err
		}
		w.Selector = selector
	}
	return w, nil
}

// FromSpecs turns specs into waves; the first invalid one is an error naming it.
func FromSpecs(specs []Spec) ([]Wave, error) {
	out := make([]Wave, 0, len(specs))
	for i, s := range specs {
		w, err := s.Wave()
		if err != nil {
			return nil, fmt.Errorf("wave %d: %w", i+1, err)
		}
		out = append(out, w)
	}
	return out, nil
}
