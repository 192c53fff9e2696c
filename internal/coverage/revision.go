package coverage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CurrentRevisionHash returns the controller-revision-hash label of ds's current ControllerRevision,
// or "" when there is none yet; the controller labels the pods it creates from that revision with
// the same hash. The controller's current revision is the newest (highest .revision) of those whose
// data is ds's template (daemon.Match): it makes a new one, numbered one above the highest it knows
// of, only when none is. Without such a revision (the controller has not made it yet, or this
// client writes the template unlike the controller's version), the newest one of all.
//
// The number alone would do but for a controller whose cache lacks a revision: it gives the new
// one the number of an existing one (seen on the local cluster after its API server restarted: the
// old and the new template both at 1).
func CurrentRevisionHash(ds *appsv1.DaemonSet, revisions []*appsv1.ControllerRevision) string {
	var owned []*appsv1.ControllerRevision
	for _, rev := range revisions {
		if ownedBy(rev, ds) {
			owned = append(owned, rev)
		}
	}
	if len(owned) == 0 {
		return ""
	}
	newest := func(revs []*appsv1.ControllerRevision) *appsv1.ControllerRevision {
		return slices.MaxFunc(revs, func(a, b *appsv1.ControllerRevision) int { return cmp.Compare(a.Revision, b.Revision) })
	}
	current := newest(owned)
	if len(owned) > 1 {
		if patch, err := templatePatch(ds); err == nil {
			matching := slices.DeleteFunc(slices.Clone(owned), func(rev *appsv1.ControllerRevision) bool { return !bytes.Equal(rev.Data.Raw, patch) })
			if len(matching) > 0 {
				current = newest(matching)
			}
		}
	}
	return current.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
}

// templatePatch is the data of the ControllerRevision the controller makes for ds's template
// (daemon.getPatch): a strategic merge patch that replaces spec.template, its keys sorted.
func templatePatch(ds *appsv1.DaemonSet) ([]byte, error) {
	raw, err := json.Marshal(ds.Spec.Template)
	if err != nil {
		return nil, err
	}
	var template map[string]any
	if err := json.Unmarshal(raw, &template); err != nil {
		return nil, err
	}
	template["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": template}})
}

// ownedBy reports whether ds is the controller of obj; objects that merely match its selector are
// someone else's.
func ownedBy(obj metav1.Object, ds *appsv1.DaemonSet) bool {
	return metav1.IsControlledBy(obj, ds)
}

// podTemplateGenerationLabel is the label the controller puts on each pod with the DaemonSet's
// template generation (extensions.DaemonSetTemplateGenerationKey).
const podTemplateGenerationLabel = "pod-template-generation"

// templateGenerationAnnotation is where apps/v1 keeps a DaemonSet's template generation.
const templateGenerationAnnotation = "deprecated.daemonset.template.generation"

// templateGeneration is the DaemonSet's template generation, "" when unknown.
func templateGeneration(ds *appsv1.DaemonSet) string {
	return ds.Annotations[templateGenerationAnnotation]
}

// revisionHashes are the hashes of the revisions ds controls.
func revisionHashes(ds *appsv1.DaemonSet, revisions []*appsv1.ControllerRevision) map[string]bool {
	hashes := map[string]bool{}
	for _, rev := range revisions {
		if ownedBy(rev, ds) {
			hashes[rev.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]] = true
		}
	}
	return hashes
}
