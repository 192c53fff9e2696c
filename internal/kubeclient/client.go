package kubeclient

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	// Kubeconfigs written for OIDC logins still name the oidc auth-provider rather than exec.
	_ "k8s.io/client-go/plugin/pkg/client/auth/oidc"
	"k8s.io/client-go/rest"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// Client is a configured connection to one cluster. Building it contacts no server.
type Client struct {
	// Config asks for protobuf, which only built-in types speak: copy it and set JSON content
	// types before using it for custom resources or the dynamic client.
	Config    *rest.Config
	Clientset kubernetes.Interface
	// Nodes is the node list the reads of this client share (plan-time eligibility, refreshed
	// coverage): a Terraform operation over many DaemonSets lists the nodes once.
	Nodes *rollout.SharedNodes
	// Refreshes shares the other reads of the refreshes of many DaemonSets: per namespace, one list
	// of DaemonSets, and of revisions and pods where they can be shared. Any write through this
	// client forgets them.
	Refreshes *rollout.Refreshes
	// Host is the API server's URL, for messages.
	Host string
	// Source says where the configuration came from, e.g. `kubeconfig /home/me/.kube/config (from KUBE_CONFIG_PATH), context "kind"`.
	Source string
	// Warnings are things the user should know about this configuration, e.g. TLS verification is off.
	Warnings []Warning

	logFields map[string]any
}

// sharedNodesMaxAge bounds how old a shared node list may be: long enough for the plan of a large
// configuration, short enough that a refresh sees nodes that joined during the last minute.
const sharedNodesMaxAge = 30 * time.Second

// Warning is a diagnostic for the provider to show; it never holds a secret.
type Warning struct {
	Summary string
	Detail  string
}

// Request rate towards the API server: well above client-go's default of 5/10, since one apply
// watches and reads pods and nodes, and still modest for a shared control plane.
const (
	qps   = 50
	burst = 100
)

// New builds a client from the provider arguments, their environment variables and kubeconfig
// files, or the in-cluster service account (see resolved.load for the order). version goes into
// the User-Agent.
func New(cfg Config, version string) (*Client, error) {
	r, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	l, err := r.load()
	if err != nil {
		return nil, err
	}

	rc, err := l.clientConfig.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("the configuration from %s is not usable: %w", l.source, err)
	}
	if r.token.set() {
		// client-go would keep re-reading a kubeconfig's or the service account's token file,
		// which then wins over the token given here.
		rc.BearerTokenFile = ""
	}
	if r.insecureFrom != "" {
		// client-go's merge skips false values, so an explicit insecure = false would not undo
		// the kubeconfig's insecure-skip-tls-verify.
		rc.Insecure = r.insecure
	}
	server, _, err := rest.DefaultServerUrlFor(rc)
	if err != nil {
		return nil, fmt.Errorf("the server address %q from %s is not usable: %w", redact(rc.Host), l.source, err)
	}

	rc.ContentType = runtime.ContentTypeProtobuf
	rc.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	rc.UserAgent = "terraform-provider-kubedaemon/" + version
	rc.QPS, rc.Burst = qps, burst
	if dir := os.Getenv(DebugRequestsEnv); dir != "" {
		if err := countRequestsToDir(rc, dir); err != nil {
			return nil, err
		}
	}

	var refreshes *rollout.Refreshes
	rc.Wrap(func(next http.RoundTripper) http.RoundTripper {
		return writesTransport{next: next, written: func() { refreshes.Forget() }}
	})

	clientset, err := kubernetes.NewForConfig(rc)
	if err != nil {
		// Bad certificate data in a kubeconfig surfaces here.
		return nil, fmt.Errorf("building the Kubernetes client from %s: %w", l.source, err)
	}

	nodes := rollout.NewSharedNodes(clientset, sharedNodesMaxAge)
	refreshes = rollout.NewRefreshes(clientset, nodes, sharedNodesMaxAge)
	c := &Client{Config: rc, Clientset: clientset, Nodes: nodes, Refreshes: refreshes,
		Host: server.String(), Source: l.source, Warnings: l.warnings}
	c.Warnings = append(c.Warnings, r.transportWarnings(rc, c.Host)...)
	c.logFields = r.logFields(rc, c)
	return c, nil
}

func (r resolved) transportWarnings(rc *rest.Config, host string) []Warning {
	var out []Warning
	if rc.Insecure {
		from := "the kubeconfig's insecure-skip-tls-verify"
		if r.insecure {
			from = r.insecureFrom
		}
		out = append(out, Warning{
			Summary: "TLS certificate verification is disabled",
			Detail: fmt.Sprintf("The provider does not verify the certificate of %s (set by %s): anyone on the network path "+
				"can read or change its requests, including the credentials. Set cluster_ca_certificate instead.", host, from),
		})
	}
	if !rest.IsConfigTransportTLS(*rc) && firstSet(r.token, r.username, r.clientCert).set() {
		out = append(out, Warning{
			Summary: "Credentials are not sent over plain HTTP",
			Detail:  fmt.Sprintf("%s uses http://, so client-go sends no token, password or client certificate to it. Use https://.", host),
		})
	}
	return out
}

// LogFields describes the client for logs: where its settings came from and how it authenticates,
// never a password, token, key or exec environment value.
func (c *Client) LogFields() map[string]any {
	return maps.Clone(c.logFields)
}

func (r resolved) logFields(rc *rest.Config, c *Client) map[string]any {
	fields := map[string]any{
		"host":          c.Host,
		"config_source": c.Source,
		"auth":          authMethods(rc),
		"insecure":      rc.Insecure,
		"user_agent":    rc.UserAgent,
	}
	setBy := map[string]string{}
	for _, s := range []setting{r.context, r.authInfo, r.cluster, r.host, r.username, r.password, r.token,
		r.caCert, r.clientCert, r.clientKey, r.tlsServerName, r.proxyURL} {
		if s.set() {
			setBy[argumentOf(s.from)] = s.from
		}
	}
	if r.insecureFrom != "" {
		setBy["insecure"] = r.insecureFrom
	}
	if r.pathsFrom != "" {
		setBy[argumentOf(r.pathsFrom)] = r.pathsFrom
	}
	fields["set_by"] = setBy
	if rc.ServerName != "" {
		fields["tls_server_name"] = rc.ServerName
	}
	if r.proxyURL.set() {
		fields["proxy_url"] = redact(r.proxyURL.value)
	}
	if rc.ExecProvider != nil {
		envNames := make([]string, 0, len(rc.ExecProvider.Env))
		for _, e := range rc.ExecProvider.Env {
			envNames = append(envNames, e.Name)
		}
		fields["exec_command"] = rc.ExecProvider.Command
		fields["exec_api_version"] = rc.ExecProvider.APIVersion
		fields["exec_env_names"] = envNames
	}
	return fields
}

// authMethods names the ways the client will authenticate, for logs.
func authMethods(rc *rest.Config) []string {
	var methods []string
	if rc.BearerToken != "" || rc.BearerTokenFile != "" {
		methods = append(methods, "token")
	}
	if rc.Username != "" {
		methods = append(methods, "basic")
	}
	if len(rc.CertData) > 0 || rc.CertFile != "" {
		methods = append(methods, "client_certificate")
	}
	if rc.ExecProvider != nil {
		methods = append(methods, "exec")
	}
	if rc.AuthProvider != nil {
		methods = append(methods, "auth_provider:"+rc.AuthProvider.Name)
	}
	if len(methods) == 0 {
		methods = append(methods, "none")
	}
	return methods
}
