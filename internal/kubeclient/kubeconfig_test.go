package kubeclient

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

var (
	contextA = kubeconfigContext{name: "a", server: "https://a.example:6443", token: "token-a"}
	contextB = kubeconfigContext{name: "b", server: "https://b.example:6443", token: "token-b"}
)

func mustNew(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg, "test")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func wantError(t *testing.T, cfg Config, wants ...string) error {
	t.Helper()
	_, err := New(cfg, "test")
	if err == nil {
		t.Fatalf("New succeeded, want an error containing %q", wants)
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\ndoes not contain %q", err, want)
		}
	}
	return err
}

func wantArgumentError(t *testing.T, err error, argument, from string) {
	t.Helper()
	var argErr *ArgumentError
	if !errors.As(err, &argErr) {
		t.Fatalf("error %v is %T, want *ArgumentError", err, err)
	}
	if argErr.Argument != argument || argErr.From != from {
		t.Errorf("ArgumentError names %q set by %q, want %q set by %q", argErr.Argument, argErr.From, argument, from)
	}
}

func TestNew_kubeconfigFileAndContextOverride(t *testing.T) {
	isolateEnv(t)
	path := writeKubeconfig(t, "config", "a", contextA, contextB)

	c := mustNew(t, Config{ConfigPath: path})
	if c.Host != contextA.server || c.Config.BearerToken != contextA.token {
		t.Errorf("current context: host %q token %q, want %q %q", c.Host, c.Config.BearerToken, contextA.server, contextA.token)
	}

	c = mustNew(t, Config{ConfigPath: path, ConfigContext: "b"})
	if c.Host != contextB.server || c.Config.BearerToken != contextB.token {
		t.Errorf("config_context b: host %q token %q, want %q %q", c.Host, c.Config.BearerToken, contextB.server, contextB.token)
	}
	for _, want := range []string{path, "from config_path", `context "b"`} {
		if !strings.Contains(c.Source, want) {
			t.Errorf("Source %q does not contain %q", c.Source, want)
		}
	}
}

func TestNew_contextClusterAndUserOverrides(t *testing.T) {
	isolateEnv(t)
	path := writeKubeconfig(t, "config", "a", contextA, contextB)

	c := mustNew(t, Config{ConfigPath: path, ConfigContextCluster: "b"})
	if c.Host != contextB.server || c.Config.BearerToken != contextA.token {
		t.Errorf("cluster b: host %q token %q, want %q %q", c.Host, c.Config.BearerToken, contextB.server, contextA.token)
	}
	c = mustNew(t, Config{ConfigPath: path, ConfigContextAuthInfo: "b"})
	if c.Host != contextA.server || c.Config.BearerToken != contextB.token {
		t.Errorf("user b: host %q token %q, want %q %q", c.Host, c.Config.BearerToken, contextA.server, contextB.token)
	}
}

func TestNew_explicitValuesOverrideKubeconfig(t *testing.T) {
	isolateEnv(t)
	path := writeKubeconfig(t, "config", "a", contextA)

	c := mustNew(t, Config{ConfigPath: path, Host: "https://override.example:443", Token: "explicit", TLSServerName: "api.internal"})
	if c.Host != "https://override.example:443" || c.Config.BearerToken != "explicit" || c.Config.ServerName != "api.internal" {
		t.Errorf("got host %q token %q server name %q", c.Host, c.Config.BearerToken, c.Config.ServerName)
	}
}

func TestNew_configPathsMerge(t *testing.T) {
	isolateEnv(t)
	first := writeKubeconfig(t, "first", "a", contextA)
	// The second file's current-context loses to the first's, as with KUBECONFIG.
	second := writeKubeconfig(t, "second", "b", contextB)

	c := mustNew(t, Config{ConfigPaths: []string{first, second}})
	if c.Host != contextA.server {
		t.Errorf("host %q, want the first file's current context %q", c.Host, contextA.server)
	}
	c = mustNew(t, Config{ConfigPaths: []string{first, second}, ConfigContext: "b"})
	if c.Host != contextB.server {
		t.Errorf("host %q, want the second file's context b %q", c.Host, contextB.server)
	}
	if !strings.Contains(c.Source, first+string(os.PathListSeparator)+second) {
		t.Errorf("Source %q does not name both files", c.Source)
	}
}

func TestNew_configPathWinsOverConfigPaths(t *testing.T) {
	isolateEnv(t)
	first := writeKubeconfig(t, "first", "a", contextA)
	second := writeKubeconfig(t, "second", "b", contextB)
	c := mustNew(t, Config{ConfigPath: second, ConfigPaths: []string{first}})
	if c.Host != contextB.server {
		t.Errorf("host %q, want config_path's %q", c.Host, contextB.server)
	}
}

func TestNew_tildeExpandsToHome(t *testing.T) {
	home := isolateEnv(t)
	writeKubeconfig(t, filepath.Join(home, "clusters", "dev.yaml"), "a", contextA)
	c := mustNew(t, Config{ConfigPath: "~/clusters/dev.yaml"})
	if c.Host != contextA.server {
		t.Errorf("host %q, want %q", c.Host, contextA.server)
	}
}

func TestNew_insecureArgument(t *testing.T) {
	isolateEnv(t)
	c := mustNew(t, Config{Host: "https://kube.example", Insecure: ptr(true)})
	if !c.Config.Insecure || len(c.Warnings) != 1 {
		t.Fatalf("insecure %v warnings %+v", c.Config.Insecure, c.Warnings)
	}
	if w := c.Warnings[0]; !strings.Contains(w.Detail, "https://kube.example") || !strings.Contains(w.Detail, "set by insecure") {
		t.Errorf("warning %+v should name the host and the argument", w)
	}
}

func TestNew_missingKubeconfig(t *testing.T) {
	isolateEnv(t)
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	existing := writeKubeconfig(t, "config", "a", contextA)

	err := wantError(t, Config{ConfigPath: missing}, missing, "does not exist")
	wantArgumentError(t, err, "config_path", "config_path")

	t.Setenv("KUBE_CONFIG_PATH", missing)
	err = wantError(t, Config{}, "config_path (set by KUBE_CONFIG_PATH)", missing)
	wantArgumentError(t, err, "config_path", "KUBE_CONFIG_PATH")
	t.Setenv("KUBE_CONFIG_PATH", "")

	err = wantError(t, Config{ConfigPaths: []string{existing, missing}}, missing)
	wantArgumentError(t, err, "config_paths", "config_paths")

	err = wantError(t, Config{ConfigPath: t.TempDir()}, "is a directory")
	wantArgumentError(t, err, "config_path", "config_path")
}

func TestNew_unknownContext(t *testing.T) {
	isolateEnv(t)
	path := writeKubeconfig(t, "config", "a", contextA, contextB)

	err := wantError(t, Config{ConfigPath: path, ConfigContext: "prod"}, `context "prod" is not in kubeconfig`, path, `it has: "a", "b"`)
	wantArgumentError(t, err, "config_context", "config_context")

	t.Setenv("KUBE_CTX", "staging")
	err = wantError(t, Config{ConfigPath: path}, `config_context (set by KUBE_CTX): context "staging"`, `"a", "b"`)
	wantArgumentError(t, err, "config_context", "KUBE_CTX")
	t.Setenv("KUBE_CTX", "")

	_ = wantError(t, Config{ConfigPath: path, ConfigContextCluster: "c"}, `cluster "c" is not in kubeconfig`, `"a", "b"`)
	_ = wantError(t, Config{ConfigPath: path, ConfigContextAuthInfo: "u"}, `user "u" is not in kubeconfig`, `"a", "b"`)

	noCurrent := writeKubeconfig(t, "no-current", "", contextA, contextB)
	_ = wantError(t, Config{ConfigPath: noCurrent}, "sets no current-context", `"a", "b"`)

	dangling := writeKubeconfig(t, "dangling", "gone", contextA)
	_ = wantError(t, Config{ConfigPath: dangling}, `has current-context "gone", which it does not define`, `"a"`)
}

func TestNew_unreadableKubeconfig(t *testing.T) {
	isolateEnv(t)
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte("clusters: [this is not: a kubeconfig"), 0o600); err != nil {
		t.Fatal(err)
	}
	_ = wantError(t, Config{ConfigPath: path}, "reading kubeconfig "+path+" (from config_path)")
}

func TestNew_malformedServerInKubeconfig(t *testing.T) {
	isolateEnv(t)
	path := writeKubeconfig(t, "config", "a", kubeconfigContext{name: "a", server: "https://bad host:6443", token: "t"})
	_ = wantError(t, Config{ConfigPath: path}, path)
}

func TestNew_insecureFalseOverridesKubeconfig(t *testing.T) {
	isolateEnv(t)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["a"] = &clientcmdapi.Cluster{Server: "https://a.example", InsecureSkipTLSVerify: true}
	cfg.AuthInfos["a"] = &clientcmdapi.AuthInfo{Token: "t"}
	cfg.Contexts["a"] = &clientcmdapi.Context{Cluster: "a", AuthInfo: "a"}
	cfg.CurrentContext = "a"
	path := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}

	c := mustNew(t, Config{ConfigPath: path})
	if !c.Config.Insecure || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Detail, "the kubeconfig's insecure-skip-tls-verify") {
		t.Errorf("insecure %v warnings %+v: the kubeconfig's setting should hold and be warned about", c.Config.Insecure, c.Warnings)
	}
	c = mustNew(t, Config{ConfigPath: path, Insecure: ptr(false)})
	if c.Config.Insecure || len(c.Warnings) != 0 {
		t.Errorf("insecure %v warnings %+v: insecure = false should win over the kubeconfig", c.Config.Insecure, c.Warnings)
	}
}
