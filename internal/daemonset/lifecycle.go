package daemonset

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// ExistsError says that a create found the object already there: it was made by another tool (or
// another Terraform configuration) and is never adopted silently.
type ExistsError struct {
	Kind, Namespace, Name string
	UID                   types.UID
	Managers              []string
}

func (e *ExistsError) Error() string {
	managers := "no field manager recorded"
	if len(e.Managers) > 0 {
		managers = "managed by " + strings.Join(e.Managers, ", ")
	}
	return fmt.Sprintf("%s %s/%s already exists (uid %s, %s). This resource creates only what does not exist yet, "+
		"so that it never takes over, or later deletes, an object another tool made. To manage the existing %s, import it "+
		"(Terraform 1.5 or later) with a configuration equal to it, `to` being this resource's address:", e.Kind, e.Namespace, e.Name, e.UID, managers, e.Kind)
}

// ImportBlock is the block to write for resourceType, e.g. kubedaemon_daemonset.
func (e *ExistsError) ImportBlock(resourceType string) string {
	label := strings.NewReplacer("-", "_", ".", "_").Replace(e.Name)
	return fmt.Sprintf("import {\n  to = %s.%s\n  id = %q\n}", resourceType, label, e.Namespace+"/"+e.Name)
}

// EnsureAbsent fails with an *ExistsError when the DaemonSet exists.
func EnsureAbsent(ctx context.Context, cs kubernetes.Interface, namespace, name string) error {
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return &ExistsError{Kind: "DaemonSet", Namespace: namespace, Name: name, UID: ds.UID, Managers: managerNames(ds.ManagedFields)}
}

func managerNames(entries []metav1.ManagedFieldsEntry) []string {
	var names []string
	for _, e := range entries {
		if e.Subresource == "" {
			names = append(names, fmt.Sprintf("%s (%s)", e.Manager, e.Operation))
		}
	}
	return names
}

// ReplacedError says that the object under the name in state is not the one state recorded: it
// was deleted and made again by someone else.
type ReplacedError struct {
	Namespace, Name string
	Recorded, Live  types.UID
}

func (e *ReplacedError) Error() string {
	return fmt.Sprintf("DaemonSet %s/%s was deleted and created again outside Terraform (uid %s, state recorded %s); "+
		"it is not the object this resource created, so it is left alone", e.Namespace, e.Name, e.Live, e.Recorded)
}

// Get reads the DaemonSet that state recorded by uid: a DaemonSet under the same name with
// another uid is a *ReplacedError, never mistaken for it. An empty uid accepts any.
func Get(ctx context.Context, cs kubernetes.Interface, namespace, name string, uid types.UID) (*appsv1.DaemonSet, error) {
	ds, err := cs.AppsV1().DaemonSets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if err := Recorded(ds, uid); err != nil {
		return nil, err
	}
	return ds, nil
}

// Recorded is a *ReplacedError when ds is not the object that state recorded by uid but another of
// its name; nil when it is, or uid is empty.
func Recorded(ds *appsv1.DaemonSet, uid types.UID) error {
	if uid != "" && ds.UID != uid {
		return &ReplacedError{Namespace: ds.Namespace, Name: ds.Name, Recorded: uid, Live: ds.UID}
	}
	return nil
}

// Delete deletes the DaemonSet with the uid state recorded as a precondition, so that an object
// made again under the same name is never deleted. It returns the deleted object, or nil when
// nothing was deleted because the object is gone or is another one (a *ReplacedError).
func Delete(ctx context.Context, cs kubernetes.Interface, namespace, name string, uid types.UID, policy metav1.DeletionPropagation) (*appsv1.DaemonSet, error) {
	ds, err := Get(ctx, cs, namespace, name, uid)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	err = cs.AppsV1().DaemonSets(namespace).Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: &policy,
		Preconditions:     &metav1.Preconditions{UID: &ds.UID},
	})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case apierrors.IsConflict(err):
		// The precondition failed: between the read and the delete the object was made again.
		_, err = Get(ctx, cs, namespace, name, uid)
		return nil, err
	case err != nil:
		return nil, err
	}
	return ds, nil
}
