package rollout

import (
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// WaitDeleted waits, by watching, until the DaemonSet with the given uid is gone and so is every pod
// it owned, as a delete with foreground propagation promises. selector is the DaemonSet's pod
// selector. A DaemonSet of the same name but another uid is another object and does not hold the
// wait. When ctx ends first, it returns a *DeleteIncompleteError that names what remains.
func WaitDeleted(ctx context.Context, cs kubernetes.Interface, namespace, name string, uid types.UID, selector *metav1.LabelSelector) error {
	podSelector, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return fmt.Errorf("daemonset %s/%s has an invalid selector: %w", namespace, name, err)
	}
	ws := newWatches(cs)
	watchCtx, stop := context.WithCancel(ctx)
	defer ws.wg.Wait()
	defer stop()
	daemonSets := ws.watchDaemonSet(watchCtx, namespace, name)
	pods := ws.watchPods(watchCtx, namespace, podSelector)

	remains := func() *DeleteIncompleteError {
		e := &DeleteIncompleteError{Namespace: namespace, Name: name}
		if obj, exists, _ := daemonSets.GetByKey(namespace + "/" + name); exists {
			if ds, ok := obj.(*appsv1.DaemonSet); ok && ds.UID == uid {
				e.DaemonSet, e.Finalizers = true, ds.Finalizers
			}
		}
		e.Pods = ownedPods(items[*corev1.Pod](pods), uid)
		return e
	}
	for {
		select {
		case <-ctx.Done():
			e := remains()
			e.Cause = ws.explain(context.Cause(ctx))
			return e
		case err := <-ws.fatal:
			return err
		case <-ws.changed:
		}
		if !daemonSets.synced.Load() || !pods.synced.Load() {
			continue
		}
		if e := remains(); !e.DaemonSet && len(e.Pods) == 0 {
			return nil
		}
	}
}

// ownedPods describes the pods that name uid among their owners, sorted by name.
func ownedPods(pods []*corev1.Pod, uid types.UID) []string {
	var owned []string
	for _, pod := range pods {
		if !slices.ContainsFunc(pod.OwnerReferences, func(ref metav1.OwnerReference) bool { return ref.UID == uid }) {
			continue
		}
		if pod.Spec.NodeName == "" {
			owned = append(owned, pod.Name)
		} else {
			owned = append(owned, fmt.Sprintf("%s (node %s)", pod.Name, pod.Spec.NodeName))
		}
	}
	slices.SortFunc(owned, strings.Compare)
	return owned
}
