package daemonset

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// kubectlApplied makes ds as `kubectl apply` would: an Update by kubectl-client-side-apply that
// records the manifest, as written, in the last-applied annotation.
func kubectlApplied(t *testing.T, ds *appsv1.DaemonSet, manifest string) *appsv1.DaemonSet {
	t.Helper()
	ds.Annotations = map[string]string{LastAppliedAnnotation: manifest}
	cs := fake.NewClientset()
	created, err := cs.AppsV1().DaemonSets("default").Create(t.Context(), ds, metav1.CreateOptions{FieldManager: clientSideApplyManager})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func agent(mods ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	labels := map[string]string{"app": "agent"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "default"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "agent", Image: "agent:1",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.5")}},
				}}},
			},
		},
	}
	for _, m := range mods {
		m(ds)
	}
	return ds
}

const agentManifest = `{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"default"},
"spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":{"app":"agent"}},
"spec":{"containers":[{"name":"agent","image":"agent:1","resources":{"requests":{"cpu":"0.5"}}}]}}}}`

// An import of what kubectl applied reads the manifest's fields, in its spelling, and no server
// default that kubectl's managed fields also list.
func TestReadImported_kubectlApply(t *testing.T) {
	live := kubectlApplied(t, agent(func(ds *appsv1.DaemonSet) {
		// What the API server's defaulting would add, which kubectl's Update then owns.
		ds.Spec.RevisionHistoryLimit = ptr.To(int32(10))
		ds.Spec.Template.Spec.DNSPolicy = corev1.DNSClusterFirst
		ds.Spec.Template.Spec.Containers[0].TerminationMessagePath = "/dev/termination-log"
	}), agentManifest)
	read, prev, err := ReadImported(live)
	if err != nil {
		t.Fatal(err)
	}
	if len(prev.Managers) != 1 || prev.Managers[0].Name != clientSideApplyManager {
		t.Errorf("managers %v, want kubectl-client-side-apply alone", prev.Managers)
	}
	spec, _ := json.Marshal(read["spec"])
	want := `{"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"image":"agent:1","name":"agent","resources":{"requests":{"cpu":"0.5"}}}]}}}`
	if string(spec) != want {
		t.Errorf("imported spec\n got %s\nwant %s", spec, want)
	}
	if _, ok := read["metadata"].(map[string]any)["annotations"]; ok {
		t.Errorf("the last-applied annotation was read: %v", read["metadata"])
	}

	// kubectl stores the manifest less its own annotation: an empty map is left where the manifest
	// had none, which is no map the manifest set.
	recorded := strings.Replace(agentManifest, `"namespace":"default"}`, `"namespace":"default","annotations":{}}`, 1)
	read, _, err = ReadImported(kubectlApplied(t, agent(), recorded))
	if err != nil {
		t.Fatal(err)
	}
	if annotations, ok := read["metadata"].(map[string]any)["annotations"]; ok {
		t.Errorf("annotations %v read from kubectl's bookkeeping", annotations)
	}
}

// An Update manager without a last-applied record (Helm, an operator) owns the defaults it was
// handed back: they are left out where the live value is the server's default.
func TestReadImported_updateManagerDefaults(t *testing.T) {
	ds := agent(func(ds *appsv1.DaemonSet) {
		ds.Spec.RevisionHistoryLimit = ptr.To(int32(10))
		ds.Spec.Template.Spec.Containers[0].ImagePullPolicy = corev1.PullIfNotPresent
		ds.Spec.Template.Spec.Containers[0].TerminationMessagePolicy = corev1.TerminationMessageReadFile
		ds.Spec.MinReadySeconds = 5
	})
	cs := fake.NewClientset()
	live, err := cs.AppsV1().DaemonSets("default").Create(t.Context(), ds, metav1.CreateOptions{FieldManager: "helm"})
	if err != nil {
		t.Fatal(err)
	}
	read, _, err := ReadImported(live)
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := json.Marshal(read["spec"])
	want := `{"minReadySeconds":5,"selector":{"matchLabels":{"app":"agent"}},"template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"image":"agent:1","name":"agent","resources":{"requests":{"cpu":"500m"}}}]}}}`
	if string(spec) != want {
		t.Errorf("imported spec\n got %s\nwant %s", spec, want)
	}
}

// Read keeps a configured zero that the server defaulted, and shows the same field set by another
// manager as it is.
func TestRead_defaultedZero(t *testing.T) {
	desired := map[string]any{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": map[string]any{"name": "agent", "namespace": "default"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{"dnsPolicy": "", "hostNetwork": false}}}}
	live := agent(func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.DNSPolicy = corev1.DNSClusterFirst })
	live.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubedaemon", Operation: metav1.ManagedFieldsOperationApply, APIVersion: "apps/v1",
		FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:template":{"f:spec":{"f:dnsPolicy":{},"f:hostNetwork":{}}}}}`)}}
	read, err := Read(live, desired, "kubedaemon")
	if err != nil {
		t.Fatal(err)
	}
	policy, _ := valueAt(read, fieldpath.MakePathOrDie("spec", "template", "spec", "dnsPolicy"))
	hostNetwork, _ := valueAt(read, fieldpath.MakePathOrDie("spec", "template", "spec", "hostNetwork"))
	if policy != "" || hostNetwork != false {
		t.Errorf("read dnsPolicy %v and hostNetwork %v, want the configured \"\" and false", policy, hostNetwork)
	}
	live.ManagedFields = append(live.ManagedFields, metav1.ManagedFieldsEntry{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "apps/v1",
		FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:template":{"f:spec":{"f:dnsPolicy":{}}}}}`)})
	read, err = Read(live, desired, "kubedaemon")
	if err != nil {
		t.Fatal(err)
	}
	if policy, _ := valueAt(read, fieldpath.MakePathOrDie("spec", "template", "spec", "dnsPolicy")); policy != "ClusterFirst" {
		t.Errorf("dnsPolicy read %v, want ClusterFirst: kubectl-edit set it, which is drift", policy)
	}
}
