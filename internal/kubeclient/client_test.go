package kubeclient

import (
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/testcert"

	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// fakeAPIServer answers every request with a NotFound Status and remembers what it was sent.
type fakeAPIServer struct {
	*httptest.Server
	mu      sync.Mutex
	headers http.Header
	peer    string
}

func newFakeAPIServer(t *testing.T, clientCA *x509.Certificate) *fakeAPIServer {
	t.Helper()
	f := &fakeAPIServer{}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.headers = r.Header.Clone()
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			f.peer = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,`+
			`"message":"namespaces \"x\" not found","details":{"name":"x","kind":"namespaces"}}`)
	}))
	if clientCA != nil {
		pool := x509.NewCertPool()
		pool.AddCert(clientCA)
		f.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	}
	// The untrusted-server test makes handshakes fail on purpose; keep them out of the test output.
	f.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.StartTLS()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPIServer) caPEM() string { return testcert.PEM("CERTIFICATE", f.Certificate().Raw) }

func getNamespace(t *testing.T, c *Client) error {
	t.Helper()
	_, err := c.Clientset.CoreV1().Namespaces().Get(context.Background(), "x", metav1.GetOptions{})
	return err
}

func TestNew_hostTokenAndCA(t *testing.T) {
	isolateEnv(t)
	srv := newFakeAPIServer(t, nil)

	c := mustNew(t, Config{Host: srv.URL, Token: "secret-token", ClusterCACertificate: srv.caPEM()})
	if err := getNamespace(t, c); !apierrors.IsNotFound(err) {
		t.Fatalf("got %v, want the server's NotFound", err)
	}
	if err := c.ExplainError(apierrors.NewNotFound(metav1.SchemeGroupVersion.WithResource("namespaces").GroupResource(), "x")); !apierrors.IsNotFound(err) {
		t.Errorf("ExplainError changed an API error: %v", err)
	}

	h := srv.headers
	if got := h.Get("Authorization"); got != "Bearer secret-token" {
		t.Errorf("Authorization %q", got)
	}
	if got := h.Get("User-Agent"); got != "terraform-provider-kubedaemon/test" {
		t.Errorf("User-Agent %q", got)
	}
	if got := h.Get("Accept"); !strings.HasPrefix(got, "application/vnd.kubernetes.protobuf") || !strings.Contains(got, "application/json") {
		t.Errorf("Accept %q, want protobuf then JSON", got)
	}
	rc := c.Config
	if rc.ContentType != "application/vnd.kubernetes.protobuf" || rc.QPS != 50 || rc.Burst != 100 {
		t.Errorf("content type %q QPS %v burst %v", rc.ContentType, rc.QPS, rc.Burst)
	}
	if c.Host != srv.URL || len(c.Warnings) != 0 {
		t.Errorf("host %q warnings %+v", c.Host, c.Warnings)
	}
}

func TestNew_clientCertificate(t *testing.T) {
	isolateEnv(t)
	ca := testcert.NewCA(t)
	srv := newFakeAPIServer(t, ca.Cert)
	cert, key := ca.IssueClient(t, "terraform")

	c := mustNew(t, Config{Host: srv.URL, ClientCertificate: cert, ClientKey: key, ClusterCACertificate: srv.caPEM()})
	if err := getNamespace(t, c); !apierrors.IsNotFound(err) {
		t.Fatalf("got %v, want the server's NotFound", err)
	}
	if srv.peer != "terraform" {
		t.Errorf("server saw client certificate %q, want terraform", srv.peer)
	}
}

func TestNew_untrustedServer(t *testing.T) {
	isolateEnv(t)
	srv := newFakeAPIServer(t, nil)
	c := mustNew(t, Config{Host: srv.URL, Token: "t"})
	err := c.ExplainError(getNamespace(t, c))
	for _, want := range []string{"cannot reach the Kubernetes API server at " + srv.URL, "authority the provider does not trust", "cluster_ca_certificate"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
}

func TestNew_plainHTTPWithCredentialsWarns(t *testing.T) {
	isolateEnv(t)
	c := mustNew(t, Config{Host: "http://127.0.0.1:8080", Token: "t"})
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Detail, "http://127.0.0.1:8080") {
		t.Errorf("warnings %+v, want one about plain HTTP", c.Warnings)
	}
}

func TestNew_execMappedToExecConfig(t *testing.T) {
	isolateEnv(t)
	exec := &ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1beta1",
		Command:    "aws",
		Args:       []string{"eks", "get-token", "--cluster-name", "prod"},
		Env:        map[string]string{"AWS_PROFILE": "prod", "AWS_REGION": "eu-west-1"},
	}
	c := mustNew(t, Config{Host: "https://eks.example", Exec: exec})
	got := c.Config.ExecProvider
	if got == nil {
		t.Fatal("no ExecProvider")
	}
	want := clientcmdapi.ExecConfig{
		APIVersion:      exec.APIVersion,
		Command:         "aws",
		Args:            exec.Args,
		Env:             []clientcmdapi.ExecEnvVar{{Name: "AWS_PROFILE", Value: "prod"}, {Name: "AWS_REGION", Value: "eu-west-1"}},
		InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
	}
	if got.APIVersion != want.APIVersion || got.Command != want.Command || got.InteractiveMode != want.InteractiveMode ||
		fmt.Sprint(got.Args) != fmt.Sprint(want.Args) || fmt.Sprint(got.Env) != fmt.Sprint(want.Env) {
		t.Errorf("ExecProvider\n got %+v\nwant %+v", *got, want)
	}

	// exec replaces the kubeconfig user's plugin.
	path := writeKubeconfig(t, "config", "a", contextA)
	c = mustNew(t, Config{ConfigPath: path, Exec: exec})
	if c.Config.ExecProvider == nil || c.Config.ExecProvider.Command != "aws" {
		t.Errorf("ExecProvider %+v, want the aws plugin", c.Config.ExecProvider)
	}
}

func TestLogFields_neverHoldSecrets(t *testing.T) {
	isolateEnv(t)
	ca := testcert.NewCA(t)
	cert, key := ca.IssueClient(t, "user")
	secrets := []string{"p4ssw0rd-secret", "t0ken-secret", "exec-env-secret", "proxy-secret", key}
	exec := &ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1",
		Command:    "get-credentials",
		Env:        map[string]string{"API_KEY": "exec-env-secret"},
	}

	basic := mustNew(t, Config{
		Host:                 "https://kube.example",
		Username:             "admin",
		Password:             "p4ssw0rd-secret",
		ClusterCACertificate: ca.PEM,
		ClientCertificate:    cert,
		ClientKey:            key,
		ProxyURL:             "http://proxy-user:proxy-secret@proxy.example:3128",
		Exec:                 exec,
	})
	t.Setenv("KUBE_TOKEN", "t0ken-secret")
	token := mustNew(t, Config{Host: "https://kube.example", Exec: exec})

	for _, c := range []*Client{basic, token} {
		logged := fmt.Sprintf("%v %s %+v", c.LogFields(), c.Source, c.Warnings)
		for _, secret := range secrets {
			if strings.Contains(logged, secret) {
				t.Errorf("log fields or messages hold the secret %q:\n%s", secret, logged)
			}
		}
	}

	fields := basic.LogFields()
	if fields["host"] != "https://kube.example" || fields["proxy_url"] != "http://proxy-user:xxxxx@proxy.example:3128" ||
		fmt.Sprint(fields["exec_env_names"]) != "[API_KEY]" || fmt.Sprint(fields["auth"]) != "[basic client_certificate exec]" {
		t.Errorf("fields %v", fields)
	}
	if setBy, ok := token.LogFields()["set_by"].(map[string]string); !ok || setBy["token"] != "KUBE_TOKEN" || setBy["host"] != "host" {
		t.Errorf("set_by %v should say where each value came from", setBy)
	}

	fields["host"] = "changed"
	if basic.LogFields()["host"] != "https://kube.example" {
		t.Error("LogFields returned the client's own map")
	}
}
