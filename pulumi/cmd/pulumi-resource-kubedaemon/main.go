// Command pulumi-resource-kubedaemon is the Pulumi resource provider plugin of kubedaemon: the
// Terraform provider served through pulumi-terraform-bridge, with the committed package schema.
package main

import (
	"context"

	pftfbridge "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	"github.com/kubedaemon/terraform-provider-kubedaemon/pulumi"
	"github.com/kubedaemon/terraform-provider-kubedaemon/pulumi/bridge"
)

// version is set at build time with -ldflags "-X main.version=..."; Pulumi expects a semantic version.
var version = "0.0.0-dev"

func main() {
	pftfbridge.Main(context.Background(), bridge.PackageName, bridge.ProviderInfo(version),
		pftfbridge.ProviderMetadata{PackageSchema: kubedaemon.Schema})
}
