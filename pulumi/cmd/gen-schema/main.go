// Command gen-schema writes the Pulumi package schema of the kubedaemon provider.
//
//	go run ./cmd/gen-schema -out schema.json
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/kubedaemon/terraform-provider-kubedaemon/pulumi/bridge"
)

func main() {
	out := flag.String("out", "schema.json", "file to write the schema to; - for standard output")
	flag.Parse()

	schema, err := bridge.Schema(context.Background(), os.Stderr)
	if err == nil {
		if *out == "-" {
			_, err = os.Stdout.Write(schema)
		} else {
			err = os.WriteFile(*out, schema, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-schema:", err)
		os.Exit(1)
	}
}
