package waves

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func TestFromSpecs(t *testing.T) {
	ws, err := FromSpecs([]Spec{
		{NodeSelector: map[string]string{"pool": "canary"}, MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "zone", Operator: metav1.LabelSelectorOpIn, Values: []string{"a"}}}, Bake: "2m"},
		{Percent: 25},
		{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !ws[0].Selector.Matches(labels.Set{"pool": "canary", "zone": "a"}) || ws[0].Selector.Matches(labels.Set{"pool": "canary", "zone": "b"}) || ws[0].Bake != 2*time.Minute {
		t.Errorf("wave 1: %+v", ws[0])
	}
	if ws[1].Percent != 25 || ws[1].Selector != nil || ws[2].Selector != nil {
		t.Errorf("waves 2 and 3: %+v %+v", ws[1], ws[2])
	}
	_, err = FromSpecs([]Spec{{}, {Bake: "soon"}})
	if err == nil || !strings.Contains(err.Error(), "wave 2: bake") {
		t.Errorf("an invalid bake: %v, want an error naming wave 2", err)
	}
	_, err = FromSpecs([]Spec{{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "zone", Operator: metav1.LabelSelectorOpIn}}}})
	if err == nil || !strings.Contains(err.Error(), "wave 1") {
		t.Errorf("In without values: %v, want an error naming wave 1", err)
	}
}
