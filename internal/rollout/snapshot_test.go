package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

func TestSnapshot(t *testing.T) {
	ds := daemonSet("uid-1")
	now := time.Now()
	cs := fake.NewClientset(ds,
		revision("agent-h1", "h1", 1, "uid-1"),
		revision("agent-h2", "h2", 2, "uid-1"),
		revision("agent-h9", "h9", 9, "uid-of-a-deleted-namesake"),
		readyNode("node-a"), readyNode("node-b"),
	)
	// The fake ignores Limit and Continue, so the pods are served in two pages here.
	var podLists []metav1.ListOptions
	cs.PrependReactor("list", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
		list, ok := action.(k8stesting.ListActionImpl)
		if !ok {
			return false, nil, nil
		}
		opts := list.ListOptions
		podLists = append(podLists, opts)
		if opts.Continue == "" {
			return true, &corev1.PodList{
				ListMeta: metav1.ListMeta{Continue: "page-2"},
				Items:    []corev1.Pod{*readyPod("agent-a", "node-a", "h2", "uid-1", now)},
			}, nil
		}
		return true, &corev1.PodList{Items: []corev1.Pod{*readyPod("agent-b", "node-b", "h2", "uid-1", now)}}, nil
	})

	state, _, err := Snapshot(context.Background(), cs, testNamespace, "agent", nil, coverage.Options{})
	if err != nil {
		t.Fatal(err)
	}

	if state.DaemonSet.UID != "uid-1" || state.DaemonSet.ManagedFields != nil {
		t.Errorf("DaemonSet: uid %q, managedFields %v; want uid-1 without managedFields", state.DaemonSet.UID, state.DaemonSet.ManagedFields)
	}
	var revisions []string
	for _, r := range state.Revisions {
		revisions = append(revisions, r.Name)
	}
	if got := strings.Join(revisions, ","); got != "agent-h1,agent-h2" {
		t.Errorf("revisions = %s, want the two the DaemonSet controls", got)
	}
	if len(state.Pods) != 2 || state.Pods[0].Name != "agent-a" || state.Pods[1].Name != "agent-b" {
		t.Errorf("pods = %v, want agent-a and agent-b from both pages", state.Pods)
	}
	if len(podLists) != 2 || podLists[0].Limit != pageSize || podLists[1].Continue != "page-2" || podLists[0].LabelSelector != "app=agent" {
		t.Errorf("pod list requests = %+v, want two pages of %d with selector app=agent", podLists, pageSize)
	}
	if len(state.Nodes) != 2 || state.Nodes[0].Status.Images != nil {
		t.Errorf("nodes = %d (images kept: %v), want 2 without their image lists", len(state.Nodes), state.Nodes[0].Status.Images != nil)
	}
}

func TestSnapshot_notFound(t *testing.T) {
	_, _, err := Snapshot(context.Background(), fake.NewClientset(), testNamespace, "agent", nil, coverage.Options{})
	var missing *NotFoundError
	if !errors.As(err, &missing) || missing.Deleted {
		t.Fatalf("got %v, want a *NotFoundError", err)
	}
	if !strings.Contains(err.Error(), "agents/agent") {
		t.Errorf("message %q does not name the DaemonSet", err)
	}
}

func TestSnapshot_forbidden(t *testing.T) {
	cs := fake.NewClientset(daemonSet("uid-1"))
	cs.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "nodes"}, "", errors.New("RBAC: access denied"))
	})
	_, _, err := Snapshot(context.Background(), cs, testNamespace, "agent", nil, coverage.Options{})
	var denied *PermissionError
	if !errors.As(err, &denied) || denied.Resource != "nodes" || denied.Verb != "list" || denied.Namespace != "" {
		t.Fatalf("got %v, want a *PermissionError for list nodes", err)
	}
}

// TestSnapshot_podOfAnUnlistedRevision: the revisions and the pods are listed side by side, so a pod
// can carry a revision that the revision list, read a moment earlier, lacks; it is read again.
func TestSnapshot_podOfAnUnlistedRevision(t *testing.T) {
	now := time.Now()
	cs := fake.NewClientset(daemonSet("uid-1"),
		revision("agent-h1", "h1", 1, "uid-1"), revision("agent-h2", "h2", 2, "uid-1"),
		readyNode("node-a"), readyPod("agent-a", "node-a", "h2", "uid-1", now))
	lists := 0
	cs.PrependReactor("list", "controllerrevisions", func(k8stesting.Action) (bool, runtime.Object, error) {
		lists++
		if lists == 1 {
			return true, &appsv1.ControllerRevisionList{Items: []appsv1.ControllerRevision{*revision("agent-h1", "h1", 1, "uid-1")}}, nil
		}
		return false, nil, nil
	})
	state, _, err := Snapshot(context.Background(), cs, testNamespace, "agent", nil, coverage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := coverage.CurrentRevisionHash(state.DaemonSet, state.Revisions); got != "h2" || lists != 2 {
		t.Errorf("current revision %q after %d revision lists, want h2 after 2", got, lists)
	}
}

// TestEveryEligibleCovered: a snapshot reads the events unless every eligible node, Ready or not,
// runs a covered pod of the current revision, whatever the options count.
func TestEveryEligibleCovered(t *testing.T) {
	now := time.Now()
	notReady := readyNode("node-b")
	notReady.Status.Conditions[0].Status = corev1.ConditionFalse
	revisions := []*appsv1.ControllerRevision{revision("agent-h1", "h1", 1, "uid-1"), revision("agent-h2", "h2", 2, "uid-1")}
	unobserved := daemonSet("uid-1")
	unobserved.Status.ObservedGeneration = 1
	for _, tc := range []struct {
		name  string
		ds    *appsv1.DaemonSet
		nodes []*corev1.Node
		pods  []*corev1.Pod
		want  bool
	}{
		{"every node covered", daemonSet("uid-1"), []*corev1.Node{readyNode("node-a"), readyNode("node-b")},
			[]*corev1.Pod{readyPod("a", "node-a", "h2", "uid-1", now), readyPod("b", "node-b", "h2", "uid-1", now)}, false},
		{"a node without a pod", daemonSet("uid-1"), []*corev1.Node{readyNode("node-a"), readyNode("node-b")},
			[]*corev1.Pod{readyPod("a", "node-a", "h2", "uid-1", now)}, true},
		{"a not-Ready node without a pod", daemonSet("uid-1"), []*corev1.Node{readyNode("node-a"), notReady},
			[]*corev1.Pod{readyPod("a", "node-a", "h2", "uid-1", now)}, true},
		// Under a surge the controller creates the new pod beside the old one: that create may fail.
		{"a pod of the old revision", daemonSet("uid-1"), []*corev1.Node{readyNode("node-a")},
			[]*corev1.Pod{readyPod("a", "node-a", "h1", "uid-1", now)}, true},
		{"the generation not observed", unobserved, []*corev1.Node{readyNode("node-a")},
			[]*corev1.Pod{readyPod("a", "node-a", "h2", "uid-1", now)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := coverage.State{DaemonSet: tc.ds, Revisions: revisions, Nodes: tc.nodes, Pods: tc.pods}
			if got := !coverage.Compute(state, coverage.Options{Now: now}).EveryEligibleCovered(); got != tc.want {
				t.Errorf("events needed = %v, want %v", got, tc.want)
			}
		})
	}
}
