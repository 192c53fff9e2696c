package daemonset

import (
	"encoding/json"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Read returns the live DaemonSet limited to the paths desired sets (desired is what
// fieldManager applied: an apply configuration or its JSON), in its JSON form. A zero value that
// desired sets and the API server replaced by its default (dnsPolicy "" becoming "ClusterFirst")
// reads as the zero value, since that default is what the zero asked for; the same value set by
// another manager reads as it is, drift the plan must show.
func Read(live *appsv1.DaemonSet, desired any, fieldManager string) (map[string]any, error) {
	fields, err := FieldsOf(desired)
	if err != nil {
		return nil, err
	}
	out, err := fields.Extract(live)
	if err != nil {
		return nil, err
	}
	want, err := unstructuredContent(desired)
	if err != nil {
		return nil, err
	}
	_, others, err := OwnedByOthers(live, fields, fieldManager)
	if err != nil {
		return nil, err
	}
	fields.set.Leaves().Iterate(func(p fieldpath.Path) {
		if others.set.Has(p) {
			return
		}
		wanted, ok := valueAt(want, p)
		if !ok || !isZeroScalar(wanted) {
			return
		}
		if got, ok := valueAt(out, p); ok && !isZeroScalar(got) {
			setAt(out, p, wanted)
		}
	})
	return out, nil
}

// ReadImported returns the live DaemonSet limited to the paths the tools that made it set (see
// PreviousManagers), and who they are. A DaemonSet this provider applied, and no tool changed
// since, reads as right after that apply, from the configuration it recorded: with the zero
// values and the spelling of quantities it was given.
func ReadImported(live *appsv1.DaemonSet) (map[string]any, Previous, error) {
	prev, err := PreviousManagers(live)
	if err != nil {
		return nil, Previous{}, err
	}
	if prev.Recorded != nil {
		out, err := Read(live, prev.Recorded, prev.recordedBy)
		if err != nil {
			return nil, Previous{}, err
		}
		keepAppliedSpelling(out, prev.Recorded)
		return out, prev, nil
	}
	out, err := prev.Fields.Extract(live)
	if err != nil {
		return nil, Previous{}, fmt.Errorf("read the fields of %s: %w", prev.Names(), err)
	}
	if raw, ok := live.Annotations[LastAppliedAnnotation]; ok && slices.ContainsFunc(prev.Managers, func(m Manager) bool { return m.Name == clientSideApplyManager }) {
		var applied any
		if json.Unmarshal([]byte(raw), &applied) == nil {
			keepAppliedSpelling(out, applied)
		}
	}
	return out, prev, nil
}

// keepAppliedSpelling puts back, where kubectl's last-applied configuration wrote a quantity in
// another spelling of the same amount ("0.5" stored as "500m"), the spelling it was given: the
// configuration written from the same manifest then plans no change.
func keepAppliedSpelling(read, applied any) {
	switch r := read.(type) {
	case map[string]any:
		a, ok := applied.(map[string]any)
		if !ok {
			return
		}
		for k, v := range r {
			if s, isString := v.(string); isString {
				if given, ok := a[k].(string); ok && given != s && sameQuantity(s, given) {
					r[k] = given
				}
				continue
			}
			keepAppliedSpelling(v, a[k])
		}
	case []any:
		a, ok := applied.([]any)
		if !ok || len(a) != len(r) {
			return
		}
		for i := range r {
			keepAppliedSpelling(r[i], a[i])
		}
	}
}

func sameQuantity(a, b string) bool {
	qa, errA := resource.ParseQuantity(a)
	qb, errB := resource.ParseQuantity(b)
	return errA == nil && errB == nil && qa.Cmp(qb) == 0
}

// setAt replaces the value at p, which exists, in a JSON object.
func setAt(obj any, p fieldpath.Path, v any) {
	parent, ok := valueAt(obj, p[:len(p)-1])
	if m, isMap := parent.(map[string]any); ok && isMap && p[len(p)-1].FieldName != nil {
		m[*p[len(p)-1].FieldName] = v
	}
}
