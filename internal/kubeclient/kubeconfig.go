package kubeclient

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/util/homedir"
)

// inClusterConfig reads the pod's service account; a variable so tests can stand in for a pod.
var inClusterConfig = rest.InClusterConfig

const inClusterName = "in-cluster"

// loaded is the configuration chosen for New, before client-go merges it into a rest.Config.
type loaded struct {
	clientConfig clientcmd.ClientConfig
	source       string
	warnings     []Warning
}

// load picks where the cluster is described: the kubeconfig files named by config_path(s); else,
// when host is set, the arguments alone; else client-go's default kubeconfig files; else the
// in-cluster service account. The arguments override whatever was loaded.
func (r resolved) load() (loaded, error) {
	overrides := r.overrides()
	if len(r.configPaths) > 0 {
		for _, p := range r.configPaths {
			if err := checkKubeconfigFile(p); err != nil {
				return loaded{}, &ArgumentError{Argument: argumentOf(r.pathsFrom), From: r.pathsFrom, Message: err.Error()}
			}
		}
		return r.fromKubeconfig(r.configPaths, r.pathsFrom, overrides)
	}

	if r.host.set() {
		// Contexts select from a kubeconfig; with none loaded, client-go would fail to find them.
		overrides.CurrentContext, overrides.Context = "", clientcmdapi.Context{}
		out := loaded{
			clientConfig: clientcmd.NewNonInteractiveClientConfig(*clientcmdapi.NewConfig(), "", overrides, nil),
			source:       fmt.Sprintf("provider arguments (host set by %s)", r.host.from),
		}
		for _, s := range []setting{r.context, r.authInfo, r.cluster} {
			if s.set() {
				out.warnings = append(out.warnings, Warning{
					Summary: argumentOf(s.from) + " is ignored",
					Detail: fmt.Sprintf("%s selects from a kubeconfig, but none is loaded: host (set by %s) describes the cluster "+
						"and neither config_path nor config_paths is set.", s.from, r.host.from),
				})
			}
		}
		return out, nil
	}

	tried := []string{
		"config_path, config_paths (KUBE_CONFIG_PATH, KUBE_CONFIG_PATHS): not set",
		"host (KUBE_HOST): not set",
	}
	paths, origin, missing := defaultKubeconfigFiles()
	if len(paths) > 0 {
		return r.fromKubeconfig(paths, origin, overrides)
	}
	tried = append(tried, missing)

	if s := firstSet(r.context, r.authInfo, r.cluster); s.set() {
		return loaded{}, &ArgumentError{Argument: argumentOf(s.from), From: s.from, Message: fmt.Sprintf(
			"%q selects from a kubeconfig, but no kubeconfig file was found. Tried:\n  - %s",
			s.value, strings.Join(tried, "\n  - "))}
	}

	ic, err := inClusterConfig()
	if err != nil {
		if errors.Is(err, rest.ErrNotInCluster) {
			tried = append(tried, "in-cluster service account: not running in a pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set)")
		} else {
			tried = append(tried, "in-cluster service account: "+err.Error())
		}
		return loaded{}, fmt.Errorf("no Kubernetes configuration found. Tried, in order:\n  - %s\n"+
			"Set config_path (or KUBE_CONFIG_PATH) to a kubeconfig file, or host with credentials",
			strings.Join(tried, "\n  - "))
	}
	// Described as a one-context kubeconfig so the arguments override it exactly as they override a file.
	api := clientcmdapi.NewConfig()
	api.Clusters[inClusterName] = &clientcmdapi.Cluster{Server: ic.Host, CertificateAuthority: ic.CAFile}
	api.AuthInfos[inClusterName] = &clientcmdapi.AuthInfo{Token: ic.BearerToken, TokenFile: ic.BearerTokenFile}
	api.Contexts[inClusterName] = &clientcmdapi.Context{Cluster: inClusterName, AuthInfo: inClusterName}
	api.CurrentContext = inClusterName
	return loaded{
		clientConfig: clientcmd.NewNonInteractiveClientConfig(*api, inClusterName, overrides, nil),
		source:       "in-cluster service account",
	}, nil
}

// defaultKubeconfigFiles follows client-go's default loading rules: the files listed in KUBECONFIG
// if it is set, else ~/.kube/config. It reads HOME at each call, where client-go fixes it at start,
// and skips client-go's migration of old kubeconfig locations, which writes files.
func defaultKubeconfigFiles() (existing []string, origin, missing string) {
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		for _, p := range filepath.SplitList(env) {
			if p != "" && checkKubeconfigFile(p) == nil {
				existing = append(existing, p)
			}
		}
		return existing, clientcmd.RecommendedConfigPathEnvVar,
			fmt.Sprintf("KUBECONFIG=%s: none of its files exist", env)
	}
	home := filepath.Join(homedir.HomeDir(), clientcmd.RecommendedHomeDir, clientcmd.RecommendedFileName)
	if checkKubeconfigFile(home) == nil {
		existing = []string{home}
	}
	return existing, "default location", fmt.Sprintf("KUBECONFIG: not set; %s: does not exist", home)
}

func checkKubeconfigFile(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("kubeconfig file %q does not exist", path)
	case err != nil:
		return fmt.Errorf("cannot read kubeconfig file %q: %v", path, err)
	case info.IsDir():
		return fmt.Errorf("%q is a directory, not a kubeconfig file", path)
	}
	return nil
}

// fromKubeconfig merges the files as KUBECONFIG would (the first file to set a value wins) and
// checks the selected context, cluster and user exist, naming the ones that do.
func (r resolved) fromKubeconfig(paths []string, origin string, overrides *clientcmd.ConfigOverrides) (loaded, error) {
	files := strings.Join(paths, string(os.PathListSeparator))
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: paths}
	raw, err := rules.Load()
	if err != nil {
		return loaded{}, fmt.Errorf("reading kubeconfig %s (from %s): %w", files, origin, err)
	}

	contextName := raw.CurrentContext
	if r.context.set() {
		contextName = r.context.value
	}
	switch {
	case contextName == "" && !r.cluster.set():
		return loaded{}, &ArgumentError{Argument: "config_context", Message: fmt.Sprintf(
			"kubeconfig %s (from %s) sets no current-context; set config_context (KUBE_CTX) to one of: %s",
			files, origin, names(raw.Contexts))}
	case contextName != "" && raw.Contexts[contextName] == nil && r.context.set():
		return loaded{}, &ArgumentError{Argument: "config_context", From: r.context.from, Message: fmt.Sprintf(
			"context %q is not in kubeconfig %s (from %s); it has: %s", contextName, files, origin, names(raw.Contexts))}
	case contextName != "" && raw.Contexts[contextName] == nil:
		return loaded{}, &ArgumentError{Argument: "config_context", Message: fmt.Sprintf(
			"kubeconfig %s (from %s) has current-context %q, which it does not define; set config_context (KUBE_CTX) to one of: %s",
			files, origin, contextName, names(raw.Contexts))}
	}
	if r.cluster.set() && raw.Clusters[r.cluster.value] == nil {
		return loaded{}, &ArgumentError{Argument: "config_context_cluster", From: r.cluster.from, Message: fmt.Sprintf(
			"cluster %q is not in kubeconfig %s (from %s); it has: %s", r.cluster.value, files, origin, names(raw.Clusters))}
	}
	if r.authInfo.set() && raw.AuthInfos[r.authInfo.value] == nil {
		return loaded{}, &ArgumentError{Argument: "config_context_auth_info", From: r.authInfo.from, Message: fmt.Sprintf(
			"user %q is not in kubeconfig %s (from %s); it has: %s", r.authInfo.value, files, origin, names(raw.AuthInfos))}
	}

	source := fmt.Sprintf("kubeconfig %s (from %s)", files, origin)
	if contextName != "" {
		source += fmt.Sprintf(", context %q", contextName)
	}
	// rules lets client-go write refreshed auth-provider tokens back to the file they came from.
	return loaded{clientConfig: clientcmd.NewNonInteractiveClientConfig(*raw, contextName, overrides, rules), source: source}, nil
}

// overrides carries every explicitly set value into client-go, where it takes precedence over the
// loaded kubeconfig, as kubectl's command-line flags do.
func (r resolved) overrides() *clientcmd.ConfigOverrides {
	o := &clientcmd.ConfigOverrides{CurrentContext: r.context.value}
	o.Context.AuthInfo = r.authInfo.value
	o.Context.Cluster = r.cluster.value
	if r.host.set() {
		// validate has parsed it already; this adds the https:// a bare host:port means.
		u, _ := parseHost(r.host.value)
		o.ClusterInfo.Server = u.String()
	}
	o.ClusterInfo.CertificateAuthorityData = []byte(r.caCert.value)
	o.ClusterInfo.InsecureSkipTLSVerify = r.insecure
	o.ClusterInfo.TLSServerName = r.tlsServerName.value
	o.ClusterInfo.ProxyURL = r.proxyURL.value
	o.AuthInfo.Username = r.username.value
	o.AuthInfo.Password = r.password.value
	o.AuthInfo.Token = r.token.value
	o.AuthInfo.ClientCertificateData = []byte(r.clientCert.value)
	o.AuthInfo.ClientKeyData = []byte(r.clientKey.value)
	if r.exec != nil {
		exec := &clientcmdapi.ExecConfig{
			APIVersion: r.exec.APIVersion,
			Command:    r.exec.Command,
			Args:       slices.Clone(r.exec.Args),
			// Terraform gives the plugin no terminal to prompt on.
			InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}
		for _, name := range slices.Sorted(maps.Keys(r.exec.Env)) {
			exec.Env = append(exec.Env, clientcmdapi.ExecEnvVar{Name: name, Value: r.exec.Env[name]})
		}
		o.AuthInfo.Exec = exec
	}
	return o
}

func firstSet(settings ...setting) setting {
	for _, s := range settings {
		if s.set() {
			return s
		}
	}
	return setting{}
}

func names[V any](m map[string]V) string {
	if len(m) == 0 {
		return "(none defined)"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, fmt.Sprintf("%q", k))
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}
