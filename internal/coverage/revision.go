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
	ref := metav1.GetControllerOfNoCopy(obj)
	return ref != nil && ref.UID == ds.UID
}
