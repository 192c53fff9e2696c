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
	// withData gives a revision the data the controller writes (daemon.getPatch), here of the
	// fixture's template (the API server's defaults left out) or of another one.
	withData := func(rev *appsv1.ControllerRevision, image string) *appsv1.ControllerRevision {
		rev.Data.Raw = []byte(`{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"agent"}},` +
			`"spec":{"containers":[{"image":"` + image + `","name":"agent","resources":{}}]}}}}`)
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
		{name: "of two revisions of one number, the one of the template", revisions: []*appsv1.ControllerRevision{
			withData(controllerRevision("agent-a", "hash-old", 1, dsUID), "agent:1"),
			withData(controllerRevision("agent-b", "hash-new", 1, dsUID), "agent:2"),
		}, want: "hash-new"},
		{name: "of two revisions of one number, the one of the template, whatever the order", revisions: []*appsv1.ControllerRevision{
			withData(controllerRevision("agent-b", "hash-new", 1, dsUID), "agent:2"),
			withData(controllerRevision("agent-a", "hash-old", 1, dsUID), "agent:1"),
		}, want: "hash-new"},
		{name: "the template's data wins over a higher number", revisions: []*appsv1.ControllerRevision{
			withData(controllerRevision("agent-a", "hash-old", 2, dsUID), "agent:1"),
			withData(controllerRevision("agent-b", "hash-new", 1, dsUID), "agent:2"),
		}, want: "hash-new"},
		{name: "no revision of the template yet: the highest number", revisions: []*appsv1.ControllerRevision{
			withData(controllerRevision("agent-a", "hash-1", 1, dsUID), "agent:1"),
			withData(controllerRevision("agent-b", "hash-0", 2, dsUID), "agent:0"),
		}, want: "hash-0"},
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
