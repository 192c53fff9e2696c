package provider

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAccProvider_traceLogKeepsCredentials applies and destroys a DaemonSet with TF_LOG=TRACE, once
// with a ServiceAccount token and once with a client certificate and key in the provider block, and
// scans everything Terraform and the provider wrote (the whole log and the output) for the token
// and the key, in the forms a careless log line would carry them.
func TestAccProvider_traceLogKeepsCredentials(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}.String()
	for _, run := range []struct {
		name        string
		credentials clusterCredentials
	}{
		{"token", serviceAccountCredentials(t, cs, ns, exampleClusterRole(t).Rules)},
		{"client key", adminCredentials(t)},
	} {
		t.Run(run.name, func(t *testing.T) {
			secret := run.credentials.token + run.credentials.clientKey
			// KUBE_CONFIG_PATH would add the test kubeconfig's own credentials to the provider block's.
			cli := newTerraformCLI(t, run.credentials.providerBlock()+config, "KUBE_CONFIG_PATH=", "TF_LOG=TRACE")
			var written strings.Builder
			for _, command := range []string{"apply", "destroy"} {
				logFile := filepath.Join(t.TempDir(), command+".log")
				cmd := cli.command(t.Context(), command, "-auto-approve", "-no-color")
				cmd.Env = append(cmd.Env, "TF_LOG_PATH="+logFile)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("terraform %s: %v\n%s", command, err, out)
				}
				written.Write(out)
				written.WriteString(readFile(t, logFile))
			}
			everything := written.String()
			// The provider's own TRACE lines must be there, or the scan proves nothing.
			for _, want := range []string{"Configured the Kubernetes client", "applying DaemonSet", "Received request"} {
				if !strings.Contains(everything, want) {
					t.Fatalf("the log does not hold %q: the provider's log lines did not reach it", want)
				}
			}
			for _, form := range secretForms(secret) {
				if strings.Contains(everything, form.text) {
					// Never print the secret itself, not even in a failure.
					t.Errorf("the TRACE log and output (%d bytes) contain the %s", len(everything), form.what)
				}
			}
			t.Logf("scanned %d bytes of log and output for %d forms of the %s", len(everything), len(secretForms(secret)), run.name)
		})
	}
}

// secretForm is one way a secret could appear in a log.
type secretForm struct{ what, text string }

// secretForms lists the secret whole, base64-encoded and JSON-escaped; for a JWT its signature; for
// a PEM block its base64 body as one string and each of its lines.
func secretForms(secret string) []secretForm {
	forms := []secretForm{
		{"secret", secret},
		{"secret, base64-encoded", base64.StdEncoding.EncodeToString([]byte(secret))},
		{"secret, JSON-escaped", strings.ReplaceAll(secret, "\n", `\n`)},
	}
	if parts := strings.Split(secret, "."); len(parts) == 3 {
		forms = append(forms, secretForm{"token's signature", parts[2]})
	}
	if block, _ := pem.Decode([]byte(secret)); block != nil {
		forms = append(forms, secretForm{"key's DER, base64-encoded", base64.StdEncoding.EncodeToString(block.Bytes)})
		for i, line := range strings.Split(secret, "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				forms = append(forms, secretForm{fmt.Sprintf("key's line %d", i+1), line})
			}
		}
	}
	return forms
}

// TestAccProvider_tlsVerification: with a valid token but no CA, the API server's certificate (signed
// by the cluster's own CA, which the system does not trust) must be refused, since verification is
// on by default; insecure = true must connect and warn; the CA must connect without a warning.
func TestAccProvider_tlsVerification(t *testing.T) {
	skipUnlessAcc(t)
	cs := testAccClient(t)
	ns := testAccNamespace(t, cs)
	credentials := serviceAccountCredentials(t, cs, ns, exampleClusterRole(t).Rules)
	config := daemonSetConfig{namespace: ns, name: "agent", app: "agent"}.String()
	withoutCA := credentials
	withoutCA.caCertificate = ""
	cli := newTerraformCLI(t, withoutCA.providerBlock()+config, "KUBE_CONFIG_PATH=")
	mainTF := filepath.Join(cli.dir, "main.tf")
	const warning = "Warning: TLS certificate verification is disabled"

	out, err := cli.run("apply", "-auto-approve", "-no-color")
	if err == nil || !regexp.MustCompile(wrapped("the server's certificate is signed by an authority the provider does not trust")).MatchString(out) {
		t.Errorf("apply without a CA: %v, want the untrusted certificate refused:\n%s", err, out)
	}

	rewrite(t, mainTF, withoutCA.providerBlock(), withoutCA.providerBlock("  insecure = true"))
	out = cli.mustRun("apply", "-auto-approve", "-no-color")
	if !strings.Contains(out, warning) {
		t.Errorf("apply with insecure = true did not warn %q:\n%s", warning, out)
	}

	rewrite(t, mainTF, withoutCA.providerBlock("  insecure = true"), credentials.providerBlock())
	out = cli.mustRun("plan", "-detailed-exitcode", "-no-color")
	if strings.Contains(out, warning) {
		t.Errorf("plan with cluster_ca_certificate warned %q:\n%s", warning, out)
	}
}
