package rollout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

func TestAccessExplain(t *testing.T) {
	nodesForbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "nodes"}, "",
		errors.New(`User "ci" cannot list resource "nodes" in API group "" at the cluster scope`))
	revisionsForbidden := apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "controllerrevisions"}, "",
		errors.New(`User "ci" cannot list resource "controllerrevisions"`))
	unavailable := apierrors.NewServiceUnavailable("etcd is restarting")

	tests := []struct {
		name   string
		access access
		err    error
		want   []string // substrings of the message
		denied bool
	}{
		{
			name:   "cluster-scoped",
			access: access{"list", "", "nodes", ""},
			err:    nodesForbidden,
			want:   []string{`list nodes cluster-wide (apiGroup "", resource "nodes", verb "list")`, `User "ci" cannot list`},
			denied: true,
		},
		{
			name:   "namespaced",
			access: access{"list", "apps", "controllerrevisions", "agents"},
			err:    revisionsForbidden,
			want:   []string{`list controllerrevisions in namespace "agents" (apiGroup "apps", resource "controllerrevisions", verb "list")`},
			denied: true,
		},
		{
			name:   "watch",
			access: access{resource: "pods", namespace: "agents"}.as("watch"),
			err:    apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no")),
			want:   []string{`(apiGroup "", resource "pods", verb "watch")`},
			denied: true,
		},
		{
			name:   "other errors pass unchanged",
			access: access{"list", "", "nodes", ""},
			err:    unavailable,
			want:   []string{"etcd is restarting"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.access.explain(tt.err)
			for _, w := range tt.want {
				if !strings.Contains(got.Error(), w) {
					t.Errorf("message %q lacks %q", got, w)
				}
			}
			var denied *PermissionError
			if errors.As(got, &denied) != tt.denied {
				t.Errorf("errors.As(*PermissionError) = %v, want %v", !tt.denied, tt.denied)
			}
			if tt.denied && !apierrors.IsForbidden(got) {
				t.Errorf("the API error is not wrapped: apierrors.IsForbidden is false")
			}
			if !tt.denied && got != tt.err {
				t.Errorf("got %v, want the error unchanged", got)
			}
		})
	}
}

func TestAccessWrap(t *testing.T) {
	err := access{"list", "", "pods", "agents"}.wrap(apierrors.NewServiceUnavailable("etcd is restarting"))
	if want := `list pods in namespace "agents": etcd is restarting`; err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	if !apierrors.IsServiceUnavailable(err) {
		t.Error("the API error is not wrapped")
	}
}

func TestIncompleteErrorMessage(t *testing.T) {
	report := coverage.Report{
		GenerationObserved: true, Counted: 2, Covered: 1, Uncovered: []string{"node-b"},
		Nodes: []coverage.NodeReport{
			{Name: "node-a", Eligible: true, Counted: true, Covered: true},
			{Name: "node-b", Eligible: true, Counted: true, Pod: "agent-x", Reason: coverage.ReasonImagePull, Message: "container agent: ImagePullBackOff"},
		},
	}
	err := error(&IncompleteError{Namespace: "agents", Name: "agent", Report: report, Cause: context.DeadlineExceeded})
	for _, want := range []string{"daemonset agents/agent", "context deadline exceeded", "covered 1 of 2", "node-b (pod agent-x): image_pull"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("errors.Is(err, context.DeadlineExceeded) is false")
	}

	unread := &IncompleteError{Namespace: "agents", Name: "agent", Cause: context.DeadlineExceeded, unread: true}
	if !strings.Contains(unread.Error(), "still being listed") {
		t.Errorf("message %q does not say the state was never read", unread)
	}
}

func TestDeleteIncompleteErrorMessage(t *testing.T) {
	var pods []string
	for i := range 12 {
		pods = append(pods, fmt.Sprintf("agent-%02d (node node-%02d)", i, i))
	}
	err := &DeleteIncompleteError{
		Namespace: "agents", Name: "agent", DaemonSet: true, Finalizers: []string{"foregroundDeletion"},
		Pods: pods, Cause: context.DeadlineExceeded,
	}
	for _, want := range []string{
		"daemonset agents/agent not deleted yet (context deadline exceeded)",
		"the DaemonSet still exists (finalizers: foregroundDeletion)",
		"12 of its pods remain: agent-00 (node node-00), ",
		"agent-09 (node node-09) and 2 more",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "agent-10") {
		t.Errorf("message %q names more than 10 pods", err)
	}
}
