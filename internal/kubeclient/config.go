// Package kubeclient builds the Kubernetes client the provider uses from its arguments, the KUBE_*
// environment variables, kubeconfig files or the in-cluster service account. It knows nothing of
// Terraform, so every rule about where a setting comes from can be tested with plain Go values.
package kubeclient

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"k8s.io/client-go/util/homedir"
)

// Config holds the provider arguments. An empty string, a nil slice or a nil pointer means "not set":
// New then falls back to the argument's environment variable (see EnvVar).
type Config struct {
	ConfigPath            string
	ConfigPaths           []string
	ConfigContext         string
	ConfigContextAuthInfo string
	ConfigContextCluster  string

	Host                 string
	Username             string
	Password             string
	Token                string
	ClusterCACertificate string
	ClientCertificate    string
	ClientKey            string
	Insecure             *bool
	TLSServerName        string
	ProxyURL             string

	Exec *ExecConfig
}

// ExecConfig runs a credential plugin (client.authentication.k8s.io) to get credentials, as a
// kubeconfig's users[].user.exec does.
type ExecConfig struct {
	APIVersion string
	Command    string
	Args       []string
	Env        map[string]string
}

// Environment variables read when an argument is not set; the names are those of the
// hashicorp/kubernetes provider so that existing setups carry over.
var envVars = map[string]string{
	"config_path":              "KUBE_CONFIG_PATH",
	"config_paths":             "KUBE_CONFIG_PATHS",
	"config_context":           "KUBE_CTX",
	"config_context_auth_info": "KUBE_CTX_AUTH_INFO",
	"config_context_cluster":   "KUBE_CTX_CLUSTER",
	"host":                     "KUBE_HOST",
	"username":                 "KUBE_USER",
	"password":                 "KUBE_PASSWORD",
	"token":                    "KUBE_TOKEN",
	"cluster_ca_certificate":   "KUBE_CLUSTER_CA_CERT_DATA",
	"client_certificate":       "KUBE_CLIENT_CERT_DATA",
	"client_key":               "KUBE_CLIENT_KEY_DATA",
	"insecure":                 "KUBE_INSECURE",
	"tls_server_name":          "KUBE_TLS_SERVER_NAME",
	"proxy_url":                "KUBE_PROXY_URL",
}

// EnvVar returns the environment variable read when the provider argument is not set.
func EnvVar(argument string) (string, bool) {
	name, ok := envVars[argument]
	return name, ok
}

// setting is one resolved value and who set it: the argument's name, its environment variable's
// name, or "" when neither did.
type setting struct {
	value string
	from  string
}

func (s setting) set() bool { return s.from != "" }

// resolved is Config after the environment fallbacks, with the origin of every value kept for
// error messages and logs.
type resolved struct {
	configPaths []string
	pathsFrom   string

	context, authInfo, cluster setting

	host, username, password, token setting
	caCert, clientCert, clientKey   setting
	tlsServerName, proxyURL         setting

	insecure     bool
	insecureFrom string

	exec *ExecConfig
}

func resolveString(value, argument string) setting {
	if value != "" {
		return setting{value: value, from: argument}
	}
	if env := envVars[argument]; os.Getenv(env) != "" {
		return setting{value: os.Getenv(env), from: env}
	}
	return setting{}
}

// resolve applies the environment fallbacks. Explicit paths win over environment paths, and a
// single path wins over a list, whichever way each was set.
func resolve(cfg Config) (resolved, error) {
	r := resolved{
		context:       resolveString(cfg.ConfigContext, "config_context"),
		authInfo:      resolveString(cfg.ConfigContextAuthInfo, "config_context_auth_info"),
		cluster:       resolveString(cfg.ConfigContextCluster, "config_context_cluster"),
		host:          resolveString(cfg.Host, "host"),
		username:      resolveString(cfg.Username, "username"),
		password:      resolveString(cfg.Password, "password"),
		token:         resolveString(cfg.Token, "token"),
		caCert:        resolveString(cfg.ClusterCACertificate, "cluster_ca_certificate"),
		clientCert:    resolveString(cfg.ClientCertificate, "client_certificate"),
		clientKey:     resolveString(cfg.ClientKey, "client_key"),
		tlsServerName: resolveString(cfg.TLSServerName, "tls_server_name"),
		proxyURL:      resolveString(cfg.ProxyURL, "proxy_url"),
		exec:          cfg.Exec,
	}

	switch {
	case cfg.ConfigPath != "":
		r.configPaths, r.pathsFrom = []string{cfg.ConfigPath}, "config_path"
	case len(cfg.ConfigPaths) > 0:
		r.configPaths, r.pathsFrom = append([]string(nil), cfg.ConfigPaths...), "config_paths"
	case os.Getenv("KUBE_CONFIG_PATH") != "":
		r.configPaths, r.pathsFrom = []string{os.Getenv("KUBE_CONFIG_PATH")}, "KUBE_CONFIG_PATH"
	case os.Getenv("KUBE_CONFIG_PATHS") != "":
		r.configPaths, r.pathsFrom = filepath.SplitList(os.Getenv("KUBE_CONFIG_PATHS")), "KUBE_CONFIG_PATHS"
	}
	for i, p := range r.configPaths {
		if strings.TrimSpace(p) == "" {
			return resolved{}, &ArgumentError{Argument: argumentOf(r.pathsFrom), From: r.pathsFrom,
				Message: fmt.Sprintf("entry %d is empty", i)}
		}
		r.configPaths[i] = expandHome(p)
	}

	switch {
	case cfg.Insecure != nil:
		r.insecure, r.insecureFrom = *cfg.Insecure, "insecure"
	case os.Getenv("KUBE_INSECURE") != "":
		v, err := strconv.ParseBool(os.Getenv("KUBE_INSECURE"))
		if err != nil {
			return resolved{}, &ArgumentError{Argument: "insecure", From: "KUBE_INSECURE",
				Message: fmt.Sprintf("%q is not a boolean (use true or false)", os.Getenv("KUBE_INSECURE"))}
		}
		r.insecure, r.insecureFrom = v, "KUBE_INSECURE"
	}
	return r, nil
}

// argumentOf maps an origin back to the provider argument it stands for.
func argumentOf(from string) string {
	for argument, env := range envVars {
		if from == argument || from == env {
			return argument
		}
	}
	return from
}

// expandHome expands a leading "~", as a shell would, since kubeconfig paths are often written so.
func expandHome(p string) string {
	if p == "~" {
		return homedir.HomeDir()
	}
	if strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "~"+string(filepath.Separator)) {
		return filepath.Join(homedir.HomeDir(), p[2:])
	}
	return p
}
