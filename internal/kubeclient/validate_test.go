package kubeclient

import (
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/testcert"

	"strings"
	"testing"
)

func TestNew_badPEM(t *testing.T) {
	isolateEnv(t)
	ca := testcert.NewCA(t)
	cert, key := ca.IssueClient(t, "user")
	otherCert, _ := ca.IssueClient(t, "other")
	// Distinct from the real key so a leak in a message is easy to see.
	const secretKey = "-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END EC PRIVATE KEY-----\n"

	tests := []struct {
		name     string
		cfg      Config
		argument string
		want     string
	}{
		{"CA not PEM", Config{Host: "https://k", ClusterCACertificate: "LS0tLS1CRUdJTi..."}, "cluster_ca_certificate", "is not PEM-encoded data"},
		{"CA holds a key", Config{Host: "https://k", ClusterCACertificate: key}, "cluster_ca_certificate", `type "EC PRIVATE KEY"`},
		{"CA with trailing junk", Config{Host: "https://k", ClusterCACertificate: ca.PEM + "junk"}, "cluster_ca_certificate", "not PEM"},
		{"CA does not parse", Config{Host: "https://k", ClusterCACertificate: testcert.PEM("CERTIFICATE", []byte("nope"))}, "cluster_ca_certificate", "does not parse"},
		{"client certificate not PEM", Config{Host: "https://k", ClientCertificate: "abc", ClientKey: key}, "client_certificate", "is not PEM-encoded data"},
		{"client key not PEM", Config{Host: "https://k", ClientCertificate: cert, ClientKey: "secret-key-material"}, "client_key", "is not PEM-encoded data"},
		{"client key does not match", Config{Host: "https://k", ClientCertificate: otherCert, ClientKey: key}, "client_key", "does not form a key pair"},
		{"client key garbage", Config{Host: "https://k", ClientCertificate: cert, ClientKey: secretKey}, "client_key", "does not form a key pair"},
		{"certificate without key", Config{Host: "https://k", ClientCertificate: cert}, "client_key", "must be set together with client_certificate"},
		{"key without certificate", Config{Host: "https://k", ClientKey: key}, "client_certificate", "must be set together with client_key"},
		{"username without password", Config{Host: "https://k", Username: "u"}, "password", "must be set together with username"},
		{"token with basic auth", Config{Host: "https://k", Token: "t", Username: "u", Password: "p"}, "token", "cannot be combined with username and password"},
		{"token with a final newline", Config{Host: "https://k", Token: "secret-key-material\n"}, "token", "wrap it in trimspace()"},
		{"insecure with CA", Config{Host: "https://k", Insecure: ptr(true), ClusterCACertificate: ca.PEM}, "insecure", "cannot be true together with cluster_ca_certificate"},
		{"exec without command", Config{Host: "https://k", Exec: &ExecConfig{APIVersion: "client.authentication.k8s.io/v1"}}, "exec", "command must be set"},
		{"exec with unknown API version", Config{Host: "https://k", Exec: &ExecConfig{APIVersion: "v1", Command: "x"}}, "exec", `api_version "v1" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wantError(t, tt.cfg, tt.want)
			wantArgumentError(t, err, tt.argument, argumentFrom(tt.argument, tt.cfg))
			for _, secret := range []string{"secret-key-material", "c2VjcmV0", "BEGIN EC PRIVATE KEY"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q quotes the private key", err)
				}
			}
		})
	}
}

// argumentFrom is what an ArgumentError for a value set in cfg reports as its origin: the argument,
// except for pair errors, which name the missing half and so have no origin of their own.
func argumentFrom(argument string, cfg Config) string {
	switch {
	case argument == "client_key" && cfg.ClientKey == "",
		argument == "client_certificate" && cfg.ClientCertificate == "",
		argument == "password", argument == "exec":
		return ""
	}
	return argument
}

func TestNew_malformedURLs(t *testing.T) {
	isolateEnv(t)
	tests := []struct {
		name     string
		cfg      Config
		argument string
		want     string
	}{
		{"host without a host name", Config{Host: "https://"}, "host", "names no host"},
		{"host with another scheme", Config{Host: "ftp://kube.example"}, "host", `scheme "ftp"`},
		{"host with a space", Config{Host: "https://kube example"}, "host", "is not a valid URL"},
		{"host with a bad port", Config{Host: "https://kube.example:port"}, "host", "invalid port"},
		{"host with a query", Config{Host: "https://kube.example/?x=1"}, "host", "query or fragment"},
		{"proxy with another scheme", Config{Host: "https://k", ProxyURL: "ftp://proxy:21"}, "proxy_url", `scheme "ftp"`},
		{"proxy without a host", Config{Host: "https://k", ProxyURL: "http://"}, "proxy_url", "names no host"},
		{"proxy without a scheme", Config{Host: "https://k", ProxyURL: "me:hunter2@proxy:3128"}, "proxy_url", "xxxxx@proxy:3128"},
		{"proxy that does not parse", Config{Host: "https://k", ProxyURL: "http://me:hunter2@proxy:port"}, "proxy_url", "http://xxxxx@proxy:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wantError(t, tt.cfg, tt.want)
			wantArgumentError(t, err, tt.argument, tt.argument)
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the proxy password", err)
			}
		})
	}

	t.Setenv("KUBE_HOST", "https://kube example")
	wantArgumentError(t, wantError(t, Config{}, "host (set by KUBE_HOST)"), "host", "KUBE_HOST")
}
