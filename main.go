package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/provider"
)

// Docs: the pinned tfplugindocs, cached with the other tools, renders docs/ from the schema, templates/ and examples/.
//go:generate scripts/tfplugindocs.sh generate --provider-name kubedaemon

// version is set at release through -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider in debug mode, for debuggers such as delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/kubedaemon/kubedaemon",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
