// Package bridge maps the kubedaemon Terraform provider onto a Pulumi package with
// pulumi-terraform-bridge. Everything is derived from the provider's own schema at run time, so a
// resource or data source that the provider registers appears in the Pulumi package without a change here.
package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/provider"
)

const (
	// PackageName is the Pulumi package name. It equals the Terraform provider's type name, which
	// is also the name `pulumi package add terraform-provider kubedaemon/kubedaemon` gives the package.
	PackageName = "kubedaemon"

	repository = "https://github.com/kubedaemon/terraform-provider-kubedaemon"
)

// ProviderInfo describes the Pulumi package of the provider built with the given version.
//
// Where Pulumi's own route for Terraform providers (`pulumi package add terraform-provider`) makes a
// choice — tokens in the single module `index`, language options, the Go import path, automatic
// names — the same choice is made here, so that a program reads the same on either route.
func ProviderInfo(version string) tfbridge.ProviderInfo {
	ctx := context.Background()
	tfProvider := provider.New(version)()

	info := tfbridge.ProviderInfo{
		P:           pftfbridge.ShimProviderWithContext(ctx, tfProvider),
		Name:        PackageName,
		Version:     version,
		DisplayName: "kubedaemon",
		Description: "Kubernetes DaemonSets whose updates complete only when every eligible node runs a " +
			"ready pod of the new revision, and a node-by-node coverage report.",
		Keywords:   []string{"kubernetes", "daemonset", "category/cloud"},
		Homepage:   repository,
		Repository: repository,
		Publisher:  "kubedaemon",
		GitHubOrg:  "kubedaemon",
		// The provider's LICENSE; the bridge also assumes MPL-2.0 for the Terraform provider in
		// the READMEs of the generated SDKs.
		License: "MPL-2.0",
		// The metadata file holds the bridge's records of renamed tokens (auto-aliasing), which a
		// package without published history does not need; the bridge still requires the field.
		MetadataInfo: tfbridge.NewProviderMetadata(nil),

		JavaScript: &tfbridge.JavaScriptInfo{
			LiftSingleValueMethodReturns: true,
			RespectSchemaVersion:         true,
		},
		Python: &tfbridge.PythonInfo{
			PyProject:            struct{ Enabled bool }{Enabled: true},
			RespectSchemaVersion: true,
		},
		CSharp: &tfbridge.CSharpInfo{
			LiftSingleValueMethodReturns: true,
			RespectSchemaVersion:         true,
		},
		Golang: &tfbridge.GolangInfo{
			ImportBasePath:               path.Join("github.com/pulumi/pulumi-terraform-provider/sdks/go", PackageName, PackageName),
			RootPackageName:              PackageName,
			LiftSingleValueMethodReturns: true,
			GenerateExtraInputTypes:      true,
			RespectSchemaVersion:         true,
		},
	}

	info.MustComputeTokens(tokens.SingleModule(PackageName+"_", "index", tokens.MakeStandard(PackageName)))
	for tfType, name := range KindNames {
		info.Resources[tfType].Tok = tfbridge.MakeResource(PackageName, "index", name)
	}
	// A resource with a top-level `name` argument (kubedaemon_node_agent) gets a unique default
	// name derived from its Pulumi resource name, as on that route, so that a replacement can be
	// created before the old one is deleted. That route allows 255 characters; 63 is what a
	// Kubernetes name that is also a label value, as the agent's is, can hold.
	info.SetAutonaming(63, "-")
	return info
}

// KindNames spells resources as Kubernetes spells their kinds where the standard tokens, which
// capitalise each underscore-separated word alone (Daemonset), do not: the resource, its SDK class
// and its types are DaemonSet.
var KindNames = map[string]string{PackageName + "_daemonset": "DaemonSet"}

// Schema generates the Pulumi package schema as it is committed: indented, ending in a newline, and
// without a version, so that it changes only when the provider's schema does. Diagnostics of the
// generation are written to diagnostics; an error diagnostic fails the generation.
func Schema(ctx context.Context, diagnostics io.Writer) ([]byte, error) {
	info := ProviderInfo("")

	// The bridge takes some descriptions only from the provider's registry pages (see pages.go).
	// Pages rendered from the provider's schema keep that schema the only source, independent of
	// docs/ and of any published version of the provider.
	pages, err := os.MkdirTemp("", "kubedaemon-pages-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(pages)
	if err := writePages(ctx, pages, provider.New("")()); err != nil {
		return nil, err
	}
	info.UpstreamRepoPath = pages

	sink := &countingSink{Sink: diag.DefaultSink(diagnostics, diagnostics, diag.FormatOptions{Color: colors.Never})}
	res, err := pftfgen.GenerateSchema(ctx, pftfgen.GenerateSchemaOptions{ProviderInfo: info, DiagnosticsSink: sink})
	if err != nil {
		return nil, err
	}
	if sink.errors > 0 {
		return nil, fmt.Errorf("the schema generation reported %d error(s)", sink.errors)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, res.ProviderMetadata.PackageSchema, "", "    "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// countingSink counts the error diagnostics it passes on.
type countingSink struct {
	diag.Sink
	errors int
}

func (s *countingSink) Logf(sev diag.Severity, d *diag.Diag, args ...any) {
	if sev == diag.Error {
		s.errors++
	}
	s.Sink.Logf(sev, d, args...)
}

func (s *countingSink) Errorf(d *diag.Diag, args ...any) {
	s.errors++
	s.Sink.Errorf(d, args...)
}
