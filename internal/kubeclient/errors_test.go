package kubeclient

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestExplainError_connectionRefused(t *testing.T) {
	isolateEnv(t)
	// A port that was just free and is closed again: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := "http://" + l.Addr().String()
	l.Close()

	c := mustNew(t, Config{Host: host})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, apiErr := c.Clientset.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if apiErr == nil {
		t.Fatal("request to a closed port succeeded")
	}

	err = c.ExplainError(apiErr)
	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) {
		t.Fatalf("ExplainError(%v) = %v, want *UnreachableError", apiErr, err)
	}
	if unreachable.Host != host || !errors.Is(err, apiErr) {
		t.Errorf("host %q; wrapped error kept: %v", unreachable.Host, errors.Is(err, apiErr))
	}
	for _, want := range []string{"cannot reach the Kubernetes API server at " + host, "connection refused", "cluster is running"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err, want)
		}
	}
	if c.Explain(apiErr) != err.Error() {
		t.Errorf("Explain and ExplainError disagree")
	}
}

func TestExplainError_classifies(t *testing.T) {
	c := &Client{Host: "https://kube.example:6443"}
	request := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://kube.example:6443/api", Err: err}
	}
	dial := func(err error) error { return request(&net.OpError{Op: "dial", Net: "tcp", Err: err}) }
	notFound := apierrors.NewNotFound(schema.GroupResource{Group: "apps", Resource: "daemonsets"}, "agent")

	tests := []struct {
		name string
		err  error
		want string // "" when the error must come back unchanged
	}{
		{"DNS", dial(&net.DNSError{Err: "no such host", Name: "kube.example", IsNotFound: true}), `the host name "kube.example" does not resolve`},
		{"dial timeout", dial(os.ErrDeadlineExceeded), "the connection timed out"},
		{"unknown authority", request(x509.UnknownAuthorityError{}), "authority the provider does not trust"},
		{"wrong host name", request(x509.HostnameError{Certificate: &x509.Certificate{}, Host: "kube.example"}), "tls_server_name"},
		{"expired", request(x509.CertificateInvalidError{Reason: x509.Expired}), "expired"},
		{"caller's deadline", request(context.DeadlineExceeded), ""},
		{"caller's cancellation", fmt.Errorf("watching: %w", context.Canceled), ""},
		{"API error", notFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.ExplainError(tt.err)
			if tt.want == "" {
				if got != tt.err {
					t.Errorf("ExplainError(%v) = %v, want it unchanged", tt.err, got)
				}
				return
			}
			if !strings.Contains(got.Error(), tt.want) || !strings.Contains(got.Error(), c.Host) {
				t.Errorf("ExplainError(%v) = %q, want it to name %s and say %q", tt.err, got, c.Host, tt.want)
			}
		})
	}
	if c.ExplainError(nil) != nil || c.Explain(nil) != "" {
		t.Error("a nil error must stay nil")
	}
	if !apierrors.IsNotFound(c.ExplainError(notFound)) {
		t.Error("apierrors checks must still work on the result")
	}
}
