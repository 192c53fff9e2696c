package kubeclient

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/testcert"
)

func TestNew_environmentFallbacks(t *testing.T) {
	isolateEnv(t)
	first := writeKubeconfig(t, "first", "a", contextA)
	second := writeKubeconfig(t, "second", "b", contextB)

	t.Run("KUBE_CONFIG_PATH and KUBE_CTX", func(t *testing.T) {
		t.Setenv("KUBE_CONFIG_PATH", first)
		t.Setenv("KUBE_CTX", "a")
		c := mustNew(t, Config{})
		if c.Host != contextA.server || !strings.Contains(c.Source, "from KUBE_CONFIG_PATH") {
			t.Errorf("host %q source %q", c.Host, c.Source)
		}
	})
	t.Run("KUBE_CONFIG_PATHS merges", func(t *testing.T) {
		t.Setenv("KUBE_CONFIG_PATHS", first+string(os.PathListSeparator)+second)
		t.Setenv("KUBE_CTX", "b")
		c := mustNew(t, Config{})
		if c.Host != contextB.server || !strings.Contains(c.Source, "from KUBE_CONFIG_PATHS") {
			t.Errorf("host %q source %q", c.Host, c.Source)
		}
	})
	t.Run("arguments win over the environment", func(t *testing.T) {
		t.Setenv("KUBE_CONFIG_PATH", first)
		t.Setenv("KUBE_CTX", "nonexistent")
		c := mustNew(t, Config{ConfigPath: second, ConfigContext: "b"})
		if c.Host != contextB.server {
			t.Errorf("host %q, want %q", c.Host, contextB.server)
		}
	})
	t.Run("KUBE_CTX_CLUSTER and KUBE_CTX_AUTH_INFO", func(t *testing.T) {
		t.Setenv("KUBE_CONFIG_PATHS", first+string(os.PathListSeparator)+second)
		t.Setenv("KUBE_CTX_CLUSTER", "b")
		t.Setenv("KUBE_CTX_AUTH_INFO", "b")
		c := mustNew(t, Config{})
		if c.Host != contextB.server || c.Config.BearerToken != contextB.token {
			t.Errorf("host %q token %q", c.Host, c.Config.BearerToken)
		}
	})
	t.Run("static settings", func(t *testing.T) {
		ca := testcert.NewCA(t)
		cert, key := ca.IssueClient(t, "env-user")
		env := map[string]string{
			"KUBE_HOST":                 "kube.example:6443",
			"KUBE_TOKEN":                "env-token",
			"KUBE_CLUSTER_CA_CERT_DATA": ca.PEM,
			"KUBE_CLIENT_CERT_DATA":     cert,
			"KUBE_CLIENT_KEY_DATA":      key,
			"KUBE_TLS_SERVER_NAME":      "api.internal",
			"KUBE_PROXY_URL":            "http://proxy.example:3128",
		}
		for k, v := range env {
			t.Setenv(k, v)
		}
		c := mustNew(t, Config{})
		rc := c.Config
		switch {
		case c.Host != "https://kube.example:6443":
			t.Errorf("host %q: a bare host:port should mean https", c.Host)
		case rc.BearerToken != "env-token":
			t.Errorf("token %q", rc.BearerToken)
		case string(rc.CAData) != ca.PEM:
			t.Errorf("CA data not from KUBE_CLUSTER_CA_CERT_DATA")
		case string(rc.CertData) != cert || string(rc.KeyData) != key:
			t.Errorf("client certificate or key not from the environment")
		case rc.ServerName != "api.internal":
			t.Errorf("server name %q", rc.ServerName)
		case rc.Proxy == nil:
			t.Errorf("no proxy set from KUBE_PROXY_URL")
		}
		if rc.Proxy != nil {
			u, err := rc.Proxy(nil)
			if err != nil || u.String() != "http://proxy.example:3128" {
				t.Errorf("proxy %v, %v", u, err)
			}
		}
		if !strings.Contains(c.Source, "host set by KUBE_HOST") {
			t.Errorf("Source %q", c.Source)
		}
	})
	t.Run("KUBE_USER and KUBE_PASSWORD", func(t *testing.T) {
		t.Setenv("KUBE_HOST", "https://kube.example")
		t.Setenv("KUBE_USER", "env-user")
		t.Setenv("KUBE_PASSWORD", "env-password")
		if rc := mustNew(t, Config{}).Config; rc.Username != "env-user" || rc.Password != "env-password" {
			t.Errorf("basic auth %q/%q", rc.Username, rc.Password)
		}
	})
	t.Run("KUBE_INSECURE", func(t *testing.T) {
		t.Setenv("KUBE_HOST", "https://kube.example")
		t.Setenv("KUBE_INSECURE", "true")
		c := mustNew(t, Config{})
		if !c.Config.Insecure || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Detail, "KUBE_INSECURE") {
			t.Errorf("insecure %v, warnings %+v", c.Config.Insecure, c.Warnings)
		}
		if c := mustNew(t, Config{Insecure: ptr(false)}); c.Config.Insecure || len(c.Warnings) != 0 {
			t.Errorf("insecure=false should win over KUBE_INSECURE: %v %+v", c.Config.Insecure, c.Warnings)
		}
		t.Setenv("KUBE_INSECURE", "sometimes")
		wantArgumentError(t, wantError(t, Config{}, `"sometimes" is not a boolean`), "insecure", "KUBE_INSECURE")
	})
}

func TestNew_KUBECONFIGDefaultRules(t *testing.T) {
	isolateEnv(t)
	// A kubeconfig in HOME must lose to KUBECONFIG, and missing KUBECONFIG entries are skipped.
	home := os.Getenv("HOME")
	writeKubeconfig(t, filepath.Join(home, ".kube", "config"), "b", contextB)
	path := writeKubeconfig(t, "config", "a", contextA)
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "missing")+string(os.PathListSeparator)+path)

	c := mustNew(t, Config{})
	if c.Host != contextA.server || !strings.Contains(c.Source, "from KUBECONFIG") {
		t.Errorf("host %q source %q", c.Host, c.Source)
	}
	c = mustNew(t, Config{ConfigContext: "a", Token: "explicit"})
	if c.Config.BearerToken != "explicit" {
		t.Errorf("token %q: arguments should override the default kubeconfig too", c.Config.BearerToken)
	}
}

func TestNew_homeKubeconfig(t *testing.T) {
	home := isolateEnv(t)
	path := writeKubeconfig(t, filepath.Join(home, ".kube", "config"), "b", contextB)
	c := mustNew(t, Config{})
	if c.Host != contextB.server || !strings.Contains(c.Source, path) {
		t.Errorf("host %q source %q", c.Host, c.Source)
	}
}

func TestNew_hostSkipsDefaultKubeconfig(t *testing.T) {
	home := isolateEnv(t)
	writeKubeconfig(t, filepath.Join(home, ".kube", "config"), "b", contextB)
	c := mustNew(t, Config{Host: "https://kube.example", Token: "t", ConfigContext: "b"})
	if c.Host != "https://kube.example" || !strings.HasPrefix(c.Source, "provider arguments") {
		t.Errorf("host %q source %q", c.Host, c.Source)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Summary, "config_context is ignored") {
		t.Errorf("warnings %+v, want one about config_context", c.Warnings)
	}
}

func TestNew_inCluster(t *testing.T) {
	isolateEnv(t)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("sa-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, []byte(testcert.NewCA(t).PEM), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inClusterConfig = rest.InClusterConfig })
	inClusterConfig = func() (*rest.Config, error) {
		return &rest.Config{
			Host:            "https://127.0.0.1:6443",
			BearerToken:     "sa-token",
			BearerTokenFile: tokenFile,
			TLSClientConfig: rest.TLSClientConfig{CAFile: caFile},
		}, nil
	}

	c := mustNew(t, Config{})
	rc := c.Config
	if c.Host != "https://127.0.0.1:6443" || c.Source != "in-cluster service account" {
		t.Errorf("host %q source %q", c.Host, c.Source)
	}
	if rc.BearerToken != "sa-token" || rc.BearerTokenFile != tokenFile || rc.CAFile != caFile {
		t.Errorf("token %q file %q CA %q: the service account's rotating token file must be kept", rc.BearerToken, rc.BearerTokenFile, rc.CAFile)
	}

	c = mustNew(t, Config{Token: "explicit"})
	if c.Config.BearerToken != "explicit" || c.Config.BearerTokenFile != "" {
		t.Errorf("token %q file %q: an explicit token must replace the service account's", c.Config.BearerToken, c.Config.BearerTokenFile)
	}

	wantArgumentError(t, wantError(t, Config{ConfigContext: "prod"}, `"prod" selects from a kubeconfig`, "no kubeconfig file was found"),
		"config_context", "config_context")
}

func TestNew_inClusterWithoutServiceAccount(t *testing.T) {
	isolateEnv(t)
	const tokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	if _, err := os.Stat(tokenFile); err == nil {
		t.Skip("running in a pod: the service account token exists")
	}
	t.Setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "6443")
	_ = wantError(t, Config{}, "in-cluster service account", tokenFile)
}

func TestNew_noConfiguration(t *testing.T) {
	home := isolateEnv(t)
	_ = wantError(t, Config{},
		"no Kubernetes configuration found",
		"KUBE_CONFIG_PATH",
		"host (KUBE_HOST): not set",
		"KUBECONFIG: not set",
		filepath.Join(home, ".kube", "config")+": does not exist",
		"not running in a pod",
	)

	missing := filepath.Join(t.TempDir(), "missing")
	t.Setenv("KUBECONFIG", missing)
	_ = wantError(t, Config{}, "KUBECONFIG="+missing+": none of its files exist")
}
