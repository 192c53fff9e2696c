package kubeclient

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Exec credential plugin API versions client-go accepts.
var execAPIVersions = []string{"client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"}

// validate checks the values that client-go would otherwise reject late, with a message that names
// neither the argument nor where it came from, or accept and fail on at the first API call.
func (r resolved) validate() error {
	if r.host.set() {
		if _, err := parseHost(r.host.value); err != nil {
			return &ArgumentError{Argument: "host", From: r.host.from, Message: err.Error()}
		}
	}
	if r.proxyURL.set() {
		if err := checkProxyURL(r.proxyURL.value); err != nil {
			return &ArgumentError{Argument: "proxy_url", From: r.proxyURL.from, Message: err.Error()}
		}
	}
	if r.caCert.set() {
		if err := checkCertificates(r.caCert.value); err != nil {
			return &ArgumentError{Argument: "cluster_ca_certificate", From: r.caCert.from, Message: err.Error()}
		}
		if r.insecure {
			return &ArgumentError{Argument: "insecure", From: r.insecureFrom,
				Message: fmt.Sprintf("cannot be true together with cluster_ca_certificate (set by %s): "+
					"either verify the server with the CA or skip verification, not both", r.caCert.from)}
		}
	}
	if r.clientCert.set() != r.clientKey.set() {
		missing, present := "client_key", r.clientCert.from
		if r.clientKey.set() {
			missing, present = "client_certificate", r.clientKey.from
		}
		return &ArgumentError{Argument: missing, Message: fmt.Sprintf("must be set together with %s", present)}
	}
	if r.clientCert.set() {
		if err := checkCertificates(r.clientCert.value); err != nil {
			return &ArgumentError{Argument: "client_certificate", From: r.clientCert.from, Message: err.Error()}
		}
		if block, _ := pem.Decode([]byte(r.clientKey.value)); block == nil {
			// Never quote the value: it is a private key.
			return &ArgumentError{Argument: "client_key", From: r.clientKey.from, Message: "is not PEM-encoded data"}
		}
		if _, err := tls.X509KeyPair([]byte(r.clientCert.value), []byte(r.clientKey.value)); err != nil {
			return &ArgumentError{Argument: "client_key", From: r.clientKey.from,
				Message: fmt.Sprintf("does not form a key pair with client_certificate (set by %s): %v", r.clientCert.from, err)}
		}
	}
	if r.username.set() != r.password.set() {
		missing, present := "password", r.username.from
		if r.password.set() {
			missing, present = "username", r.password.from
		}
		return &ArgumentError{Argument: missing, Message: fmt.Sprintf("must be set together with %s", present)}
	}
	if r.token.set() && strings.ContainsFunc(r.token.value, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) {
		// Never quote the value: it is a credential.
		return &ArgumentError{Argument: "token", From: r.token.from, Message: "contains whitespace or a control " +
			"character, which no bearer token has and an HTTP header cannot carry; a token read with file() keeps " +
			"the file's final newline: wrap it in trimspace()"}
	}
	if r.token.set() && r.username.set() {
		return &ArgumentError{Argument: "token", From: r.token.from, Message: fmt.Sprintf(
			"cannot be combined with username and password (set by %s): client-go allows one authentication method "+
				"per user", r.username.from)}
	}
	if r.exec != nil {
		if r.exec.Command == "" {
			return &ArgumentError{Argument: "exec", Message: "command must be set"}
		}
		known := false
		for _, v := range execAPIVersions {
			known = known || r.exec.APIVersion == v
		}
		if !known {
			return &ArgumentError{Argument: "exec", Message: fmt.Sprintf("api_version %q is not one of %s",
				r.exec.APIVersion, strings.Join(execAPIVersions, ", "))}
		}
	}
	return nil
}

// parseHost accepts a URL or a bare host[:port]; a bare host means HTTPS, since API servers serve
// nothing else by default and client-go sends no credentials over plain HTTP.
func parseHost(host string) (*url.URL, error) {
	raw := host
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid URL (%v); want https://HOST[:PORT][/PATH]", redact(host), unwrapURLError(err))
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%q has scheme %q; want https:// or http://", redact(host), u.Scheme)
	case u.Hostname() == "":
		return nil, fmt.Errorf("%q names no host; want https://HOST[:PORT][/PATH]", redact(host))
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("%q has a query or fragment; want https://HOST[:PORT][/PATH]", redact(host))
	}
	return u, nil
}

func checkProxyURL(proxy string) error {
	u, err := url.Parse(proxy)
	if err != nil {
		return fmt.Errorf("%q is not a valid URL (%v); want http://, https:// or socks5://HOST:PORT", redact(proxy), unwrapURLError(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "socks5":
		return fmt.Errorf("%q has scheme %q; client-go supports http, https and socks5 proxies", redact(proxy), u.Scheme)
	case u.Hostname() == "":
		return fmt.Errorf("%q names no host; want http://, https:// or socks5://HOST:PORT", redact(proxy))
	}
	return nil
}

// redact hides a password in a URL's user info, also in a URL too malformed to parse.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Opaque == "" {
		return u.Redacted()
	}
	at := strings.LastIndex(raw, "@")
	if at < 0 {
		return raw
	}
	if scheme, _, found := strings.Cut(raw[:at], "://"); found {
		return scheme + "://xxxxx@" + raw[at+1:]
	}
	return "xxxxx@" + raw[at+1:]
}

// unwrapURLError drops url.Error's own quoting of the whole input, which the callers already show.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// checkCertificates checks that data holds one or more PEM certificates and nothing else.
func checkCertificates(data string) error {
	rest := []byte(strings.TrimSpace(data))
	count := 0
	for len(rest) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("holds a PEM block of type %q; want CERTIFICATE blocks only", block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("certificate %d does not parse: %v", count+1, err)
		}
		count++
		rest = []byte(strings.TrimSpace(string(rest)))
	}
	switch {
	case count == 0:
		return fmt.Errorf("is not PEM-encoded data (want -----BEGIN CERTIFICATE-----...; base64-decode it first if it came from a kubeconfig's *-data field)")
	case len(rest) > 0:
		return fmt.Errorf("has data after certificate %d that is not PEM", count)
	}
	return nil
}
