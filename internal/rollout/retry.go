package rollout

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/kubernetes"
)

// getDaemonSetThroughOutage reads the DaemonSet a wait begins with. It retries, at the pace the
// watches reconnect, what an API server that restarts or sheds load answers, until ctx ends: an
// outage at the very start of a wait must fail it no sooner than one in its middle. When ctx ends
// first, it returns an *IncompleteError that says what the last attempt met.
func getDaemonSetThroughOutage(ctx context.Context, cs kubernetes.Interface, namespace, name string) (*appsv1.DaemonSet, error) {
	backoff := reconnect
	var failed error
	for {
		ds, err := getDaemonSet(ctx, cs, namespace, name)
		switch {
		case err == nil:
			return ds, nil
		case ctx.Err() != nil:
			cause := context.Cause(ctx)
			if failed != nil {
				cause = fmt.Errorf("%w; the last request to the API server failed: %v", cause, failed)
			}
			return nil, &IncompleteError{Namespace: namespace, Name: name, Cause: cause, unread: true}
		case !transient(err):
			return nil, err
		}
		failed = err
		timer := time.NewTimer(backoff.Step())
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
		timer.Stop()
	}
}

// transient tells the errors of an API server that is restarting or overloaded, or of the network
// to it, which retrying can outlast, from answers such as Unauthorized that it cannot.
func transient(err error) bool {
	var netErr net.Error
	return utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		(errors.As(err, &netErr) && netErr.Timeout()) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsTooManyRequests(err) || apierrors.IsInternalError(err) ||
		apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
}
