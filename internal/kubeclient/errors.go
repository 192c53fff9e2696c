package kubeclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"
)

// ArgumentError is a configuration error caused by one provider argument, whether it was set in the
// configuration or through its environment variable.
type ArgumentError struct {
	Argument string // provider argument, e.g. "host"
	From     string // what set it: the argument itself or its environment variable
	Message  string
}

func (e *ArgumentError) Error() string {
	if e.From != "" && e.From != e.Argument {
		return fmt.Sprintf("%s (set by %s): %s", e.Argument, e.From, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Argument, e.Message)
}

// UnreachableError says that the API server at Host could not be reached at all, as opposed to an
// error the server returned.
type UnreachableError struct {
	Host   string
	Reason string // what went wrong, e.g. "connection refused"
	Hint   string // what the user can check
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the Kubernetes API server at %s: %s. %s (%v)", e.Host, e.Reason, e.Hint, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ExplainError turns an error from an API call into an *UnreachableError when the server could not
// be reached (connection refused, DNS failure, network timeout, untrusted certificate); any other
// error, including the caller's own deadline, is returned unchanged so apierrors checks still work.
func (c *Client) ExplainError(err error) error {
	if err == nil {
		return nil
	}
	reason, hint := unreachableReason(err)
	if reason == "" {
		return err
	}
	return &UnreachableError{Host: c.Host, Reason: reason, Hint: hint, Err: err}
}

// Explain is ExplainError's message, for a diagnostic's detail.
func (c *Client) Explain(err error) string {
	if err == nil {
		return ""
	}
	return c.ExplainError(err).Error()
}

func unreachableReason(err error) (reason, hint string) {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		notTLS           tls.RecordHeaderError
		dnsErr           *net.DNSError
		opErr            *net.OpError
		netErr           net.Error
	)
	switch {
	case errors.As(err, &unknownAuthority):
		return "the server's certificate is signed by an authority the provider does not trust",
			"Set cluster_ca_certificate (KUBE_CLUSTER_CA_CERT_DATA) to the cluster's CA certificate, or check the kubeconfig's certificate-authority-data."
	case errors.As(err, &hostname):
		return "the server's certificate is not valid for this address",
			"Set tls_server_name (KUBE_TLS_SERVER_NAME) to a name the certificate lists, or use that name in host."
	case errors.As(err, &invalid):
		return "the server's certificate is invalid (expired, not yet valid or not for serving)",
			"Check the cluster's serving certificate and the machine's clock."
	case errors.As(err, &notTLS):
		return "the server did not answer with TLS",
			"Check the scheme (https:// or http://) and the port of host or of the kubeconfig's server."
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the host name %q does not resolve", dnsErr.Name),
			"Check host (or the kubeconfig's server) and this machine's DNS."
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused",
			"Nothing listens at that address: check that the cluster is running and that the address and port are right."
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to the host",
			"Check network access to that address (VPN, firewall, proxy_url)."
	case errors.As(err, &opErr) && opErr.Op == "dial" && opErr.Timeout():
		return "the connection timed out",
			"Check network access to that address (VPN, firewall, proxy_url)."
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller's own deadline or cancellation: not a statement about the server.
		return "", ""
	case errors.As(err, &netErr) && netErr.Timeout():
		return "the server did not answer in time",
			"Check network access to that address (VPN, firewall, proxy_url) and the server's health."
	}
	return "", ""
}
