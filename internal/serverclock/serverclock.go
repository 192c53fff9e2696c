// Package serverclock reads the API server's clock, so that times the control plane stamps
// (a pod's Ready condition, a lock's expiry) are compared with its time, not this machine's.
package serverclock

import (
	"context"
	"net/http"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Offset estimates how far the API server's clock is ahead of this machine's, from the
// Date header of one request. The header has one-second resolution and was stamped between the
// request and its answer, so the server's time is at least Date when the answer arrives: the
// estimate is that lower bound, so that a wait never counts minReadySeconds as passed before the
// control plane does (it may count up to a second more). Zero when there is no answer to go by.
func Offset(ctx context.Context, cs kubernetes.Interface) time.Duration {
	rc, ok := cs.Discovery().RESTClient().(*rest.RESTClient)
	if !ok || rc == nil || rc.Client == nil {
		return 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rc.Get().AbsPath("/version").URL().String(), nil)
	if err != nil {
		return 0
	}
	resp, err := rc.Client.Do(req)
	if err != nil {
		return 0
	}
	received := time.Now()
	_ = resp.Body.Close()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return 0
	}
	return date.Sub(received)
}
