// Package kubedaemon holds the committed Pulumi package schema of the kubedaemon provider, which
// cmd/gen-schema writes and the bridged provider serves.
package kubedaemon

import _ "embed"

// Schema is the content of schema.json.
//
//go:embed schema.json
var Schema []byte
