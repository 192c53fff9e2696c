package kubeclient

import (
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// isolateEnv clears every variable New reads and points HOME at an empty directory, so that no
// test sees the machine's own kubeconfig or service account.
func isolateEnv(t *testing.T) (home string) {
	t.Helper()
	for _, env := range envVars {
		t.Setenv(env, "")
	}
	for _, env := range []string{"KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", DebugRequestsEnv} {
		t.Setenv(env, "")
	}
	home = t.TempDir()
	t.Setenv("HOME", home)
	return home
}

// kubeconfigContext is one context of a test kubeconfig, with a cluster and a user of the same name.
type kubeconfigContext struct {
	name, server, token string
}

func writeKubeconfig(t *testing.T, path, current string, contexts ...kubeconfigContext) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	for _, c := range contexts {
		cfg.Clusters[c.name] = &clientcmdapi.Cluster{Server: c.server}
		cfg.AuthInfos[c.name] = &clientcmdapi.AuthInfo{Token: c.token}
		cfg.Contexts[c.name] = &clientcmdapi.Context{Cluster: c.name, AuthInfo: c.name}
	}
	cfg.CurrentContext = current
	if !filepath.IsAbs(path) {
		path = filepath.Join(t.TempDir(), path)
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func ptr[T any](v T) *T { return &v }
