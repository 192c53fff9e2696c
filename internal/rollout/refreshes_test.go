package rollout

import (
	"context"
	"maps"
	"reflect"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
)

// refreshedAgent is a DaemonSet selecting app=name (and extra), with a revision and a Ready pod of it
// on each of its nodes. applied says whether this provider applied it (it carries the recorded
// configuration); its status counts its pods, or scheduled when set.
type refreshedAgent struct {
	name      string
	applied   bool
	nodes     []string
	extra     map[string]string
	scheduled int32
}

func (a refreshedAgent) objects(now time.Time) []runtime.Object {
	uid := types.UID("uid-" + a.name)
	selector := map[string]string{"app": a.name}
	maps.Copy(selector, a.extra)
	scheduled := a.scheduled
	if scheduled == 0 {
		scheduled = int32(len(a.nodes))
	}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: a.name, Namespace: testNamespace, UID: uid, Generation: 1},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: selector}},
		},
		Status: appsv1.DaemonSetStatus{ObservedGeneration: 1, CurrentNumberScheduled: scheduled},
	}
	if a.applied {
		ds.Annotations = map[string]string{daemonset.AppliedAnnotation: "{}"}
	}
	owner := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "DaemonSet", Name: a.name, UID: uid, Controller: ptr.To(true)}
	labels := maps.Clone(selector)
	labels[appsv1.DefaultDaemonSetUniqueLabelKey] = "h-" + a.name
	objects := []runtime.Object{ds, &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: a.name + "-1", Namespace: testNamespace, Labels: labels, OwnerReferences: []metav1.OwnerReference{owner}},
		Revision:   1,
	}}
	for _, node := range a.nodes {
		pod := readyPod(a.name+"-"+node, node, "", uid, now.Add(-time.Hour))
		pod.Labels, pod.OwnerReferences = labels, []metav1.OwnerReference{owner}
		objects = append(objects, pod)
	}
	return objects
}

// refreshCluster is two fake clusters of nodes a, b and c holding the agents: the first counts its
// requests by verb and resource, the second reads as a refresh of its own would.
func refreshCluster(now time.Time, agents ...refreshedAgent) (counted *fake.Clientset, requests map[string]int, alone *fake.Clientset) {
	objects := []runtime.Object{readyNode("a"), readyNode("b"), readyNode("c")}
	for _, a := range agents {
		objects = append(objects, a.objects(now)...)
	}
	counted, alone = fake.NewClientset(objects...), fake.NewClientset(objects...)
	requests = map[string]int{}
	counted.PrependReactor("*", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		requests[action.GetVerb()+" "+action.GetResource().Resource]++
		return false, nil, nil
	})
	return counted, requests, alone
}

// TestRefreshes_shared: the three DaemonSets this provider applied share one list of the
// namespace's DaemonSets, one of revisions and one of pods (app in (...)); the one another tool
// made and the one too large to share list their own. Every state and report is the one a
// refresh of its own makes.
func TestRefreshes_shared(t *testing.T) {
	agents := []refreshedAgent{
		{name: "logs", applied: true, nodes: []string{"a", "b", "c"}},
		{name: "metrics", applied: true, nodes: []string{"a", "b"}, extra: map[string]string{"tier": "node"}},
		{name: "security", applied: true, nodes: []string{"c"}},
		{name: "helm-made", nodes: []string{"a", "b", "c"}},
		{name: "large", applied: true, nodes: []string{"a"}, scheduled: pageSize},
	}
	now := time.Now()
	counted, requests, alone := refreshCluster(now, agents...)
	ctx := context.Background()
	refreshes := NewRefreshes(counted, NewSharedNodes(counted, time.Minute), time.Minute)
	o := coverage.Options{Now: now}
	for _, a := range agents {
		ds, err := refreshes.DaemonSet(ctx, testNamespace, a.name)
		if err != nil {
			t.Fatal(err)
		}
		state, report, err := refreshes.Snapshot(ctx, ds, o)
		if err != nil {
			t.Fatal(err)
		}
		wantState, wantReport, err := SnapshotOf(ctx, alone, ds, nil, o)
		if err != nil {
			t.Fatal(err)
		}
		if report.Covered != len(a.nodes) || !reflect.DeepEqual(report, wantReport) || !reflect.DeepEqual(state, wantState) {
			t.Errorf("%s: covered %d of %d; report %+v\nwant %+v", a.name, report.Covered, len(a.nodes), report, wantReport)
		}
	}
	want := map[string]int{
		"list daemonsets": 1, "list nodes": 1,
		// The shared lists, and one each for helm-made and large.
		"list controllerrevisions": 3, "list pods": 3,
		// Each DaemonSet that leaves an eligible node without a pod reads its FailedCreate events.
		"list events": 3,
	}
	if !maps.Equal(requests, want) {
		t.Errorf("requests = %v, want %v", requests, want)
	}
}

// TestRefreshes_listedAgain: a DaemonSet made after the namespace was listed is read with a get;
// a write forgets the lists, and so does their age.
func TestRefreshes_listedAgain(t *testing.T) {
	now := time.Now()
	counted, requests, _ := refreshCluster(now, refreshedAgent{name: "logs", applied: true, nodes: []string{"a"}})
	ctx := context.Background()
	refreshes := NewRefreshes(counted, NewSharedNodes(counted, time.Minute), time.Minute)
	read := func(name string) {
		t.Helper()
		if _, err := refreshes.DaemonSet(ctx, testNamespace, name); err != nil {
			t.Fatal(err)
		}
	}
	read("logs")
	made := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "metrics", Namespace: testNamespace}}
	if _, err := counted.AppsV1().DaemonSets(testNamespace).Create(ctx, made, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	read("metrics")
	read("logs")
	if requests["list daemonsets"] != 1 || requests["get daemonsets"] != 1 {
		t.Errorf("requests = %v, want 1 list of the DaemonSets and a get of the one made since", requests)
	}
	refreshes.Forget()
	read("metrics")
	if requests["list daemonsets"] != 2 || requests["get daemonsets"] != 1 {
		t.Errorf("after Forget, requests = %v, want a second list and no other get", requests)
	}

	aged := NewRefreshes(counted, nil, 0)
	clear(requests)
	for range 2 {
		if _, err := aged.DaemonSet(ctx, testNamespace, "logs"); err != nil {
			t.Fatal(err)
		}
	}
	if requests["list daemonsets"] != 2 {
		t.Errorf("with lists that age at once, requests = %v, want a list for each read", requests)
	}
}

// TestRefreshes_notTheListedObject: a DaemonSet that is not the one the list holds (another uid,
// as after a replacement, or a newer resource version) is read with lists of its own.
func TestRefreshes_notTheListedObject(t *testing.T) {
	now := time.Now()
	counted, requests, _ := refreshCluster(now,
		refreshedAgent{name: "logs", applied: true, nodes: []string{"a"}},
		refreshedAgent{name: "metrics", applied: true, nodes: []string{"b"}})
	ctx := context.Background()
	refreshes := NewRefreshes(counted, NewSharedNodes(counted, time.Minute), time.Minute)
	ds, err := refreshes.DaemonSet(ctx, testNamespace, "logs")
	if err != nil {
		t.Fatal(err)
	}
	ds.ResourceVersion = "newer"
	if _, report, err := refreshes.Snapshot(ctx, ds, coverage.Options{Now: now}); err != nil || report.Covered != 1 {
		t.Fatalf("covered %d, err %v; want the one node", report.Covered, err)
	}
	if requests["list pods"] != 1 || requests["list controllerrevisions"] != 1 {
		t.Errorf("requests = %v, want one list each of its own", requests)
	}
}
