package daemonset

import (
	"context"
	"encoding/json"
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Apply sends body, a DaemonSet's configuration as JSON, as a server-side apply patch under
// fieldManager; force takes the fields it sets from other managers.
func Apply(ctx context.Context, cs kubernetes.Interface, namespace, name string, body []byte, fieldManager string, force bool) (*appsv1.DaemonSet, error) {
	return cs.AppsV1().DaemonSets(namespace).Patch(ctx, name, types.ApplyPatchType, body,
		metav1.PatchOptions{FieldManager: fieldManager, Force: &force})
}

// ApplyBody is the server-side apply patch of desired, a DaemonSet's configuration as a JSON object,
// which it leaves unchanged. It records desired in AppliedAnnotation, the one place the zero
// values an object cannot show are kept, for an import into another configuration (see
// ReadImported). Beside a pod template's serviceAccountName it sets the deprecated serviceAccount
// to the same name: the API server copies the name there, and reads it back from there when
// serviceAccountName is left out, so a configuration that stopped setting the name would keep
// running under it unless its field manager owned both fields, and so removed both.
func ApplyBody(desired map[string]any) ([]byte, error) {
	record, err := json.Marshal(desired)
	if err != nil {
		return nil, err
	}
	// Copies of the maps on the way down, so that desired stays as it is.
	patch := maps.Clone(desired)
	for _, key := range recordOnly {
		delete(patch, key)
	}
	if len(record) <= maxRecordSize {
		annotations := childCopy(childCopy(patch, "metadata"), "annotations")
		annotations[AppliedAnnotation] = string(record)
	}
	if name, _, _ := unstructured.NestedString(desired, "spec", "template", "spec", "serviceAccountName"); name != "" {
		childCopy(childCopy(childCopy(patch, "spec"), "template"), "spec")["serviceAccount"] = name
	}
	return json.Marshal(patch)
}

// maxRecordSize keeps the recorded configuration to half of the 256 KiB the API server allows all
// of an object's annotations together; a larger configuration goes unrecorded, and an import
// then reads what the managed fields show.
const maxRecordSize = 128 << 10

// childCopy replaces m[key] by a copy of the JSON object it holds (an empty one if none) and
// returns the copy.
func childCopy(m map[string]any, key string) map[string]any {
	child, _ := m[key].(map[string]any)
	child = maps.Clone(child)
	if child == nil {
		child = map[string]any{}
	}
	m[key] = child
	return child
}

// SetTemplateAnnotation sets one annotation of the pod template of the DaemonSet namespace/name,
// which must exist, under fieldManager, taking it from other managers (kubectl rollout restart
// sets the same one). The patch names the UID it read, so that a namesake made meanwhile is
// refused rather than changed, and never creates one.
func SetTemplateAnnotation(ctx context.Context, cs kubernetes.Interface, namespace, name, key, value, fieldManager string) error {
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	body, err := json.Marshal(map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "DaemonSet",
		"metadata":   map[string]any{"name": name, "namespace": namespace, "uid": ds.UID},
		"spec":       map[string]any{"template": map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}}},
	})
	if err != nil {
		return err
	}
	_, err = Apply(ctx, cs, namespace, name, body, fieldManager, true)
	return err
}

// Each calls fn with every DaemonSet of namespace ("" for all of them) that opts select, listing a
// page of pageSize at a time so that a large cluster is never held in memory at once, until fn
// returns false.
func Each(ctx context.Context, cs kubernetes.Interface, namespace string, opts metav1.ListOptions, pageSize int64, fn func(*appsv1.DaemonSet) bool) error {
	opts.Limit = pageSize
	for {
		page, err := cs.AppsV1().DaemonSets(namespace).List(ctx, opts)
		if err != nil {
			return err
		}
		for i := range page.Items {
			if !fn(&page.Items[i]) {
				return nil
			}
		}
		if opts.Continue = page.Continue; opts.Continue == "" {
			return nil
		}
	}
}
