package coverage

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCurrentRevisionHash(t *testing.T) {
	notController := func(rev *appsv1.ControllerRevision) *appsv1.ControllerRevision {
		rev.OwnerReferences[0].Controller = nil
		return rev
	}
	tests := []struct {
		name      string
		revisions []*appsv1.ControllerRevision
		want      string
	}{
		{name: "none", want: ""},
		{name: "highest revision wins whatever the order", revisions: []*appsv1.ControllerRevision{
			controllerRevision("agent-c", "hash3", 3, dsUID),
			controllerRevision("agent-a", "hash1", 1, dsUID),
			controllerRevision("agent-e", "hash5", 5, dsUID),
			controllerRevision("agent-b", "hash2", 2, dsUID),
		}, want: "hash5"},
		{name: "revisions of another owner are ignored", revisions: []*appsv1.ControllerRevision{
			controllerRevision("agent-a", "hash1", 1, dsUID),
			controllerRevision("other-b", "other", 9, "other-uid"),
		}, want: "hash1"},
		{name: "an owner reference that is not the controller does not own", revisions: []*appsv1.ControllerRevision{
			controllerRevision("agent-a", "hash1", 1, dsUID),
			notController(controllerRevision("agent-b", "hash2", 2, dsUID)),
		}, want: "hash1"},
		{name: "orphan revisions are ignored", revisions: []*appsv1.ControllerRevision{
			controllerRevision("agent-a", "hash1", 1, dsUID),
			{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: "orphan"}}, Revision: 7},
		}, want: "hash1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CurrentRevisionHash(daemonSet(), tt.revisions); got != tt.want {
				t.Errorf("CurrentRevisionHash() = %q, want %q", got, tt.want)
			}
		})
	}
}
