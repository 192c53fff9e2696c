package kubedaemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	dotnetgen "github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/provider"
	kubedaemon "github.com/kubedaemon/terraform-provider-kubedaemon/pulumi"
	"github.com/kubedaemon/terraform-provider-kubedaemon/pulumi/bridge"
)

// The schema the tests read is the committed one, which is what users generate SDKs from;
// check-schema.sh makes sure it is the one the provider generates.

func spec(t *testing.T) schema.PackageSpec {
	t.Helper()
	var s schema.PackageSpec
	if err := json.Unmarshal(kubedaemon.Schema, &s); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	return s
}

// bind binds the committed schema as `pulumi package gen-sdk` does: validated against the
// Pulumi package metaschema, then checked semantically.
func bind(t *testing.T) *schema.Package {
	t.Helper()
	pkg, diags, err := schema.BindSpec(spec(t), nil, schema.ValidationOptions{})
	if err != nil {
		t.Fatalf("BindSpec: %v", err)
	}
	if diags.HasErrors() {
		t.Fatalf("BindSpec reported errors:\n%v", diags)
	}
	for _, d := range diags {
		t.Logf("BindSpec: %v", d)
	}
	return pkg
}

func TestSchemaBinds(t *testing.T) {
	pkg := bind(t)
	if pkg.Name != bridge.PackageName {
		t.Errorf("package name %q, want %q", pkg.Name, bridge.PackageName)
	}
}

// tfSchema is the provider's GetProviderSchema response: what Terraform sees of the provider.
func tfSchema(t *testing.T) *tfprotov6.GetProviderSchemaResponse {
	t.Helper()
	resp, err := providerserver.NewProtocol6(provider.New("test")())().
		GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("GetProviderSchema: %s: %s", d.Summary, d.Detail)
	}
	return resp
}

// tfName maps a Pulumi property name back to the Terraform attribute name it was derived from.
func tfName(pulumiName string) string {
	return strings.ToLower(regexp.MustCompile(`([a-z0-9])([A-Z])`).ReplaceAllString(pulumiName, "${1}_${2}"))
}

var camelCase = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// tfAttributes lists the top-level attributes and blocks of a Terraform schema with their descriptions.
func tfAttributes(b *tfprotov6.SchemaBlock) map[string]*tfprotov6.SchemaAttribute {
	out := map[string]*tfprotov6.SchemaAttribute{}
	for _, a := range b.Attributes {
		out[a.Name] = a
	}
	for _, nb := range b.BlockTypes {
		out[nb.TypeName] = &tfprotov6.SchemaAttribute{Name: nb.TypeName, Description: nb.Block.Description}
	}
	return out
}

// checkProperties checks that every property is camelCase, comes from a Terraform attribute and,
// where that attribute has a description, has one too. Properties listed in plural are matched to
// their Terraform attribute by trying the singular.
func checkProperties(t *testing.T, where string, props map[string]schema.PropertySpec, tf map[string]*tfprotov6.SchemaAttribute) {
	t.Helper()
	for name, p := range props {
		if !camelCase.MatchString(name) {
			t.Errorf("%s: property %q is not camelCase", where, name)
		}
		var a *tfprotov6.SchemaAttribute
		for _, candidate := range []string{tfName(name), strings.TrimSuffix(tfName(name), "s"), strings.TrimSuffix(tfName(name), "ies") + "y"} {
			if a = tf[candidate]; a != nil {
				break
			}
		}
		if a == nil {
			t.Errorf("%s: property %q matches no Terraform attribute", where, name)
			continue
		}
		if a.Description != "" && p.Description == "" {
			t.Errorf("%s: property %q lost the description of %q: %q", where, name, a.Name, a.Description)
		}
	}
}

func TestSchemaFollowsProvider(t *testing.T) {
	s, tf := spec(t), tfSchema(t)

	var resourceTokens []string
	for tfType, r := range tf.ResourceSchemas {
		name := pascal(tfType)
		if kind, ok := bridge.KindNames[tfType]; ok {
			name = kind
		}
		tok := fmt.Sprintf("%s:index/%s:%s", bridge.PackageName, lowerFirst(name), name)
		resourceTokens = append(resourceTokens, tok)
		res, ok := s.Resources[tok]
		if !ok {
			t.Errorf("resource %s: no %s in the schema", tfType, tok)
			continue
		}
		if r.Block.Description != "" && res.Description == "" {
			t.Errorf("resource %s lost its description", tfType)
		}
		checkProperties(t, tok+" inputs", res.InputProperties, tfAttributes(r.Block))
		checkProperties(t, tok+" outputs", res.Properties, tfAttributes(r.Block))
	}
	for tok := range s.Resources {
		if !slices.Contains(resourceTokens, tok) {
			t.Errorf("resource %s is not one of the provider's", tok)
		}
	}

	for tfType, d := range tf.DataSourceSchemas {
		tok := fmt.Sprintf("%s:index/get%s:get%[2]s", bridge.PackageName, pascal(tfType))
		fn, ok := s.Functions[tok]
		if !ok {
			t.Errorf("data source %s: no %s in the schema", tfType, tok)
			continue
		}
		if d.Block.Description != "" && fn.Description == "" {
			t.Errorf("data source %s lost its description", tfType)
		}
		checkProperties(t, tok+" inputs", fn.Inputs.Properties, tfAttributes(d.Block))
		// Reading the schema moves a function's "outputs" into its return type.
		checkProperties(t, tok+" outputs", fn.ReturnType.ObjectTypeSpec.Properties, tfAttributes(d.Block))
	}

	// The provider's configuration: provider inputs and configuration variables, secrets marked secret.
	config := tfAttributes(tf.Provider.Block)
	checkProperties(t, "provider inputs", s.Provider.InputProperties, config)
	checkProperties(t, "config", s.Config.Variables, config)
	for name, a := range config {
		var p schema.PropertySpec
		found := false
		for pname, candidate := range s.Provider.InputProperties {
			if tfName(pname) == name {
				p, found = candidate, true
			}
		}
		if !found {
			t.Errorf("provider argument %s is not a provider input", name)
			continue
		}
		if a.Sensitive != p.Secret {
			t.Errorf("provider argument %s: sensitive %v, but secret %v in the schema", name, a.Sensitive, p.Secret)
		}
	}
}

// pascal turns a Terraform type name into the name of its Pulumi token: kubedaemon_node_agent is NodeAgent.
func pascal(tfType string) string {
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimPrefix(tfType, bridge.PackageName+"_"), "_") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// members lists the resources and functions of the package with the member name of their tokens;
// the provider's own methods (pulumi:providers:...) are not SDK modules of their own.
func members(s schema.PackageSpec) map[string]string {
	out := map[string]string{}
	for tok := range s.Resources {
		out[tok] = tok[strings.LastIndex(tok, ":")+1:]
	}
	for tok := range s.Functions {
		if !strings.HasPrefix(tok, "pulumi:providers:") {
			out[tok] = tok[strings.LastIndex(tok, ":")+1:]
		}
	}
	return out
}

// normalize makes file and member names comparable across the languages' naming conventions:
// nodeAgent.ts, node_agent.py, NodeAgent.cs all become nodeagent.
func normalize(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "_", ""))
}

func TestGenerateSDKs(t *testing.T) {
	languages := []struct {
		name, ext string
		generate  func(*schema.Package) (map[string][]byte, error)
	}{
		{"nodejs", ".ts", func(p *schema.Package) (map[string][]byte, error) {
			return nodejsgen.GeneratePackage("test", p, nil, nil, false, nil)
		}},
		{"python", ".py", func(p *schema.Package) (map[string][]byte, error) {
			return pythongen.GeneratePackage("test", p, nil, nil)
		}},
		{"go", ".go", func(p *schema.Package) (map[string][]byte, error) {
			return gogen.GeneratePackage("test", p, nil)
		}},
		{"dotnet", ".cs", func(p *schema.Package) (map[string][]byte, error) {
			// The .NET generator downloads the package logo, by default from GitHub; a local
			// server keeps the test independent of the network.
			logo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n"))
			}))
			defer logo.Close()
			p.LogoURL = logo.URL + "/logo.png"
			return dotnetgen.GeneratePackage("test", p, nil, nil)
		}},
	}
	s := spec(t)
	for _, lang := range languages {
		t.Run(lang.name, func(t *testing.T) {
			start := time.Now()
			files, err := lang.generate(bind(t))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeFiles(t, dir, files)
			t.Logf("%d files in %v", len(files), time.Since(start).Round(time.Millisecond))

			for tok, member := range members(s) {
				if !slices.ContainsFunc(slices.Collect(maps.Keys(files)), func(name string) bool {
					base := path.Base(name)
					return strings.HasSuffix(base, lang.ext) &&
						normalize(strings.TrimSuffix(base, lang.ext)) == normalize(member) &&
						strings.Contains(string(files[name]), tok)
				}) {
					t.Errorf("no %s file for %s", lang.ext, tok)
				}
			}
			if lang.name == "go" {
				checkGoSDKBuilds(t, dir)
			}
			if lang.name == "python" {
				checkPythonSDKCompiles(t, dir)
			}
		})
	}
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkGoSDKBuilds builds the generated Go SDK as a module of its own that requires the Pulumi Go
// SDK version of this module. This module's go.sum vouches for the modules the two share; others
// come from the module proxy.
func checkGoSDKBuilds(t *testing.T, dir string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Log("no go command: the Go SDK is generated but not built")
		return
	}
	var info struct{ ImportBasePath string }
	if err := json.Unmarshal(spec(t).Language["go"], &info); err != nil {
		t.Fatal(err)
	}
	// The generated files are the package at the import base path, with its config and internal
	// packages below it.
	goMod := fmt.Sprintf("module %s\n\ngo 1.26.0\n\nrequire github.com/pulumi/pulumi/sdk/v3 %s\n",
		info.ImportBasePath, moduleVersion(t, goTool, "github.com/pulumi/pulumi/sdk/v3"))
	writeFiles(t, dir, map[string][]byte{"go.mod": []byte(goMod)})
	goSum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string][]byte{"go.sum": goSum})

	start := time.Now()
	cmd := exec.Command(goTool, "build", "-mod=mod", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build of the Go SDK: %v\n%s", err, out)
	}
	t.Logf("the Go SDK builds (%v)", time.Since(start).Round(time.Second))
}

// moduleVersion is the version of a module in this module's build list.
func moduleVersion(t *testing.T, goTool, module string) string {
	t.Helper()
	out, err := exec.Command(goTool, "list", "-m", "-f", "{{.Version}}", module).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", module, err)
	}
	return strings.TrimSpace(string(out))
}

// checkPythonSDKCompiles byte-compiles the generated Python SDK, which catches syntax errors.
func checkPythonSDKCompiles(t *testing.T, dir string) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Log("no python3: the Python SDK is generated but not compiled")
		return
	}
	cmd := exec.Command(python, "-m", "compileall", "-q", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3 -m compileall of the Python SDK: %v\n%s", err, out)
	}
}
