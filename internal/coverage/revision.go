package coverage

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CurrentRevisionHash returns the controller-revision-hash label of the newest ControllerRevision
// (highest .revision) that ds controls, or "" when there is none yet. The controller labels the pods
// it creates from that revision with the same hash.
func CurrentRevisionHash(ds *appsv1.DaemonSet, revisions []*appsv1.ControllerRevision) string {
	var newest *appsv1.ControllerRevision
	for _, rev := range revisions {
		if !ownedBy(rev, ds) {
			continue
		}
		if newest == nil || rev.Revision > newest.Revision {
			newest = rev
		}
	}
	if newest == nil {
		return ""
	}
	return newest.Labels[appsv1.DefaultDaemonSetUniqueLabelKey]
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
