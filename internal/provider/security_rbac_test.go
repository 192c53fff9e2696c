package provider

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
)

// exampleClusterRole reads the ClusterRole the provider documents in examples/rbac.
func exampleClusterRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "examples", "rbac", "clusterrole.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	role := &rbacv1.ClusterRole{}
	if err := yaml.NewYAMLOrJSONDecoder(f, 4096).Decode(role); err != nil {
		t.Fatalf("examples/rbac/clusterrole.yaml: %v", err)
	}
	return role
}

// clusterCredentials are the settings of a provider block that reaches the test cluster.
type clusterCredentials struct {
	host, caCertificate string
	// One of: a bearer token, or a client certificate and its key.
	token, clientCertificate, clientKey string
}

// providerBlock renders the credentials as a provider block, the way a user would write them.
func (c clusterCredentials) providerBlock(extra ...string) string {
	lines := []string{`provider "kubedaemon" {`, "  host = " + hclString(c.host)}
	for _, setting := range []struct{ name, value string }{
		{"cluster_ca_certificate", c.caCertificate},
		{"token", c.token},
		{"client_certificate", c.clientCertificate},
		{"client_key", c.clientKey},
	} {
		if setting.value != "" {
			lines = append(lines, "  "+setting.name+" = "+hclString(setting.value))
		}
	}
	lines = append(lines, extra...)
	return strings.Join(append(lines, "}"), "\n") + "\n"
}

// hclString quotes s for HCL: Go's escapes, and template sequences kept literal.
func hclString(s string) string {
	return strings.NewReplacer("${", "$${", "%{", "%%{").Replace(strconv.Quote(s))
}

// adminCredentials are the test kubeconfig's own: its server, CA, and client certificate and key.
func adminCredentials(t *testing.T) clusterCredentials {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBE_CONFIG_PATH"))
	if err != nil {
		t.Fatal(err)
	}
	if err := rest.LoadTLSFiles(cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.CAData) == 0 || len(cfg.CertData) == 0 || len(cfg.KeyData) == 0 {
		t.Skip("the test kubeconfig does not authenticate with a client certificate verified against a CA of its own")
	}
	return clusterCredentials{host: cfg.Host, caCertificate: string(cfg.CAData),
		clientCertificate: string(cfg.CertData), clientKey: string(cfg.KeyData)}
}

// serviceAccountCredentials creates a ServiceAccount in namespace, bound to a ClusterRole that
// grants rules and nothing else, and returns a token for it from the TokenRequest API with the
// cluster's address and CA. Everything is removed when the test ends.
func serviceAccountCredentials(t *testing.T, cs kubernetes.Interface, namespace string, rules []rbacv1.PolicyRule) clusterCredentials {
	t.Helper()
	ctx := context.Background()
	name := "kubedaemon-test-" + namespace
	if _, err := cs.CoreV1().ServiceAccounts(namespace).Create(ctx,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "provider"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	role, err := cs.RbacV1().ClusterRoles().Create(ctx,
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.RbacV1().ClusterRoles().Delete(context.Background(), role.Name, metav1.DeleteOptions{}) })
	binding, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: namespace, Name: "provider"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cs.RbacV1().ClusterRoleBindings().Delete(context.Background(), binding.Name, metav1.DeleteOptions{})
	})
	token, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, "provider", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	admin := adminCredentials(t)
	return clusterCredentials{host: admin.host, caCertificate: admin.caCertificate, token: token.Status.Token}
}

// kubeconfig writes the credentials as a kubeconfig file and returns its path.
func (c clusterCredentials) kubeconfig(t *testing.T) string {
	t.Helper()
	config := clientcmdapi.NewConfig()
	config.Clusters["test"] = &clientcmdapi.Cluster{Server: c.host, CertificateAuthorityData: []byte(c.caCertificate)}
	config.AuthInfos["test"] = &clientcmdapi.AuthInfo{Token: c.token,
		ClientCertificateData: []byte(c.clientCertificate), ClientKeyData: []byte(c.clientKey)}
	config.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: "test"}
	config.CurrentContext = "test"
	file := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*config, file); err != nil {
		t.Fatal(err)
	}
	return file
}

// requireRBAC fails the test unless the cluster denies the credentials what no rule grants them:
// on a cluster that authorizes every request, an RBAC test would prove nothing.
func requireRBAC(t *testing.T, kubeconfig string) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	_, err = kubernetes.NewForConfigOrDie(cfg).CoreV1().Secrets("kube-system").List(context.Background(), metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("listing secrets in kube-system with credentials that no rule allows it gave %v, want Forbidden: "+
			"the cluster does not enforce RBAC (start the local cluster with KWOK_FLAGS=--kube-authorization)", err)
	}
}

// configuredWith is the provider with the configuration it is configured with replaced.
// It passes on provider.Provider's methods only, which are all the kubedaemon provider has.
type configuredWith struct {
	provider.Provider
	config tfsdk.Config
}

func (p configuredWith) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	req.Config = p.config
	p.Provider.Configure(ctx, req, resp)
}

// authenticateAs makes the provider that acceptance tests serve, for the rest of the test,
// authenticate with the kubeconfig file, whatever the test's configuration says: it is configured
// with config_path, which wins over KUBE_CONFIG_PATH. Tests of this package do not run in parallel.
func authenticateAs(t *testing.T, kubeconfig string) {
	t.Helper()
	saved := testAccProtoV6ProviderFactories
	t.Cleanup(func() { testAccProtoV6ProviderFactories = saved })
	config := tfsdk.Config{Schema: providerSchema(t), Raw: configValue(t, map[string]tftypes.Value{"config_path": str(kubeconfig)})}
	testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
		"kubedaemon": providerserver.NewProtocol6WithError(configuredWith{Provider: New("test")(), config: config}),
	}
}

// TestAccProvider_minimalClusterRole runs the seed tests of the resources and the data source with
// the provider authenticated as a ServiceAccount bound only to the documented ClusterRole (the
// node agent's creates its ServiceAccount too).
func TestAccProvider_minimalClusterRole(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	kubeconfig := serviceAccountCredentials(t, cs, ns, exampleClusterRole(t).Rules).kubeconfig(t)
	requireRBAC(t, kubeconfig)
	authenticateAs(t, kubeconfig)
	t.Run("daemonset", TestAccDaemonSet_seedImportUpdate)
	t.Run("coverage", TestAccCoverageDataSource_seed)
	t.Run("node agent", TestAccNodeAgent_logCollector)
}

// TestAccProvider_missingPermissionNamed takes one rule out of the documented ClusterRole: the
// coverage data source must fail with an error that names the verb, API group and resource missing.
func TestAccProvider_missingPermissionNamed(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	rules := slices.DeleteFunc(exampleClusterRole(t).Rules, func(r rbacv1.PolicyRule) bool {
		return slices.Contains(r.Resources, "controllerrevisions")
	})
	kubeconfig := serviceAccountCredentials(t, cs, ns, rules).kubeconfig(t)
	requireRBAC(t, kubeconfig)
	labels := map[string]string{"app": "agent"}
	_, err := cs.AppsV1().DaemonSets(ns).Create(context.Background(), &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: testImage}}},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	authenticateAs(t, kubeconfig)

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
data "kubedaemon_coverage" "test" {
  namespace = "` + ns + `"
  name      = "agent"
}`,
			ExpectError: regexp.MustCompile(wrapped(`missing RBAC permission to list controllerrevisions in namespace "` + ns +
				`" (apiGroup "apps", resource "controllerrevisions", verb "list")`)),
		}},
	})
}

// wrapped matches text as Terraform prints it in a diagnostic, wrapped at any space.
func wrapped(text string) string {
	return `(?s)` + strings.Join(strings.Fields(regexp.QuoteMeta(text)), `\s+`)
}
