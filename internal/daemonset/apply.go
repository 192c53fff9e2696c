package daemonset

import (
	"context"
	"encoding/json"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/client-go/kubernetes"
)

// Apply sends body, a DaemonSet's configuration as JSON, as a server-side apply patch under
// fieldManager; force takes the fields it sets from other managers.
func Apply(ctx context.Context, cs kubernetes.Interface, namespace, name string, body []byte, fieldManager string, force bool) (*appsv1.DaemonSet, error) {
	return cs.AppsV1().DaemonSets(namespace).Patch(ctx, name, types.ApplyPatchType, body,
		metav1.PatchOptions{FieldManager: fieldManager, Force: &force})
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

// The node agent's ServiceAccount, which its pods run under.

// ApplyServiceAccount server-side applies sa under fieldManager.
func ApplyServiceAccount(ctx context.Context, cs kubernetes.Interface, sa *corev1ac.ServiceAccountApplyConfiguration, fieldManager string, force bool) error {
	_, err := cs.CoreV1().ServiceAccounts(*sa.Namespace).Apply(ctx, sa, metav1.ApplyOptions{FieldManager: fieldManager, Force: force})
	return err
}

// GetServiceAccount reads a ServiceAccount; nil without an error when there is none.
func GetServiceAccount(ctx context.Context, cs kubernetes.Interface, namespace, name string) (*corev1.ServiceAccount, error) {
	sa, err := cs.CoreV1().ServiceAccounts(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return sa, err
}

// DeleteServiceAccount deletes a ServiceAccount; one already gone is success.
func DeleteServiceAccount(ctx context.Context, cs kubernetes.Interface, namespace, name string) error {
	err := cs.CoreV1().ServiceAccounts(namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
