package main

import (
	"context"
	"flag"
	"log"
	"os"
	"strings"

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
	if !debug {
		quietSDKLogsUnlessAsked()
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/kubedaemon/kubedaemon",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}

// quietSDKLogsUnlessAsked turns off the logs of terraform-plugin-go and terraform-plugin-framework
// when no TF_LOG variable asks for any log. Unset, they log at trace level: every request writes
// lines for each attribute it converts, validates and plans, as JSON to a pipe that Terraform
// parses and then discards. On a DaemonSet's pod template that was about a tenth of a plan's CPU in
// the provider, and more in Terraform. With any TF_LOG variable set, nothing changes.
func quietSDKLogsUnlessAsked() {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG") {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		if err := os.Setenv(name, "off"); err != nil {
			log.Printf("cannot set %s: %v", name, err)
		}
	}
}
