package rollout

import (
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
)

// NotFoundError says the DaemonSet does not exist, or stopped existing while Wait watched it, or
// is being deleted. Recognise it with errors.As.
type NotFoundError struct {
	Namespace, Name string
	// Deleted is true when the DaemonSet was deleted, or replaced by another object of the same
	// name, while Wait was watching it.
	Deleted bool
	// Deleting is the deletion timestamp of a DaemonSet being deleted, which its Finalizers hold.
	Deleting   *metav1.Time
	Finalizers []string
}

func (e *NotFoundError) Error() string {
	switch {
	case e.Deleting != nil:
		return fmt.Sprintf("daemonset %s/%s is being deleted (since %s; finalizers: %s): the controller creates no pod for it",
			e.Namespace, e.Name, e.Deleting.UTC().Format(time.RFC3339), strings.Join(e.Finalizers, ", "))
	case e.Deleted:
		return fmt.Sprintf("daemonset %s/%s was deleted while waiting for its rollout", e.Namespace, e.Name)
	}
	return fmt.Sprintf("daemonset %s/%s not found", e.Namespace, e.Name)
}

// PermissionError says which RBAC rule the credentials lack, in the terms a Role or ClusterRole
// is written in, so that the message can be turned into a rule directly.
type PermissionError struct {
	Verb, APIGroup, Resource string
	// Namespace is empty for cluster-scoped resources such as nodes.
	Namespace string
	// Err is the API server's Forbidden error.
	Err error
}

func (e *PermissionError) Error() string {
	scope := "cluster-wide"
	if e.Namespace != "" {
		scope = fmt.Sprintf("in namespace %q", e.Namespace)
	}
	return fmt.Sprintf("missing RBAC permission to %s %s %s (apiGroup %q, resource %q, verb %q): %v",
		e.Verb, e.Resource, scope, e.APIGroup, e.Resource, e.Verb, e.Err)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// access is one API request's RBAC coordinates.
type access struct {
	verb, group, resource, namespace string
}

func (a access) as(verb string) access {
	a.verb = verb
	return a
}

// explain turns a Forbidden error into a PermissionError naming the rule; other errors pass unchanged.
func (a access) explain(err error) error {
	if !apierrors.IsForbidden(err) {
		return err
	}
	return &PermissionError{Verb: a.verb, APIGroup: a.group, Resource: a.resource, Namespace: a.namespace, Err: err}
}

// wrap is explain, with the request named in any other error.
func (a access) wrap(err error) error {
	if apierrors.IsForbidden(err) {
		return a.explain(err)
	}
	if a.namespace == "" {
		return fmt.Errorf("%s %s: %w", a.verb, a.resource, err)
	}
	return fmt.Errorf("%s %s in namespace %q: %w", a.verb, a.resource, a.namespace, err)
}

// IncompleteError is returned by Wait when its context ends before every counted node is covered.
// Report is the last report computed; Cause is the context's cause (usually its deadline), with the
// last failed request to the API server, if any.
type IncompleteError struct {
	Namespace, Name string
	Report          coverage.Report
	Cause           error
	// unread is set when the context ended before the DaemonSet, its pods and the nodes were
	// listed, so that Report is empty rather than a verdict.
	unread bool
}

func (e *IncompleteError) Error() string {
	if e.unread {
		return fmt.Sprintf("daemonset %s/%s: rollout not confirmed (%v): the DaemonSet, its pods and the nodes were still being listed",
			e.Namespace, e.Name, e.Cause)
	}
	return fmt.Sprintf("daemonset %s/%s: rollout incomplete (%v): %s", e.Namespace, e.Name, e.Cause, e.Report.Summary(10))
}

func (e *IncompleteError) Unwrap() error { return e.Cause }

// CreateFailedError is returned by Wait when the DaemonSet controller reports, in a FailedCreate
// event, that the API server refuses the pods of the current template in a way that waiting cannot
// mend (coverage.CreateFailure.Permanent), while counted nodes have no pod. Report.CreateFailure
// holds the API server's answer.
type CreateFailedError struct {
	Namespace, Name string
	Report          coverage.Report
}

func (e *CreateFailedError) Error() string {
	return fmt.Sprintf("daemonset %s/%s: rollout cannot complete, since the API server refuses its pods: %s",
		e.Namespace, e.Name, e.Report.Summary(10))
}

// DeleteIncompleteError is returned by WaitDeleted when its context ends before the DaemonSet and
// all of its pods are gone; it names what remains.
type DeleteIncompleteError struct {
	Namespace, Name string
	// DaemonSet is true when the DaemonSet object itself still exists, held by Finalizers.
	DaemonSet  bool
	Finalizers []string
	// Pods names the pods the DaemonSet owned that still exist, sorted, as "name (node nodename)".
	Pods  []string
	Cause error
}

func (e *DeleteIncompleteError) Error() string {
	var parts []string
	if e.DaemonSet {
		parts = append(parts, fmt.Sprintf("the DaemonSet still exists (finalizers: %s)", strings.Join(e.Finalizers, ", ")))
	}
	if n := len(e.Pods); n > 0 {
		shown := e.Pods[:min(n, 10)]
		list := strings.Join(shown, ", ")
		if n > len(shown) {
			list += fmt.Sprintf(" and %d more", n-len(shown))
		}
		parts = append(parts, fmt.Sprintf("%d of its pods remain: %s", n, list))
	}
	if len(parts) == 0 {
		parts = append(parts, "the DaemonSet and its pods were still being listed")
	}
	return fmt.Sprintf("daemonset %s/%s not deleted yet (%v): %s", e.Namespace, e.Name, e.Cause, strings.Join(parts, "; "))
}

func (e *DeleteIncompleteError) Unwrap() error { return e.Cause }
