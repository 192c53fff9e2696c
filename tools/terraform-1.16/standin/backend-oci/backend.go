// Package oci stands in for Terraform's "oci" state backend, which Terraform keeps in a module of
// its own that it never publishes (its go.mod replaces it with a local directory), so that a build
// from the Go module proxy cannot fetch it. The acceptance tests use only the local state backend:
// this package keeps the backend's name registered and answers it with the in-memory backend, so
// that nothing reaches a real service and the backend's settings are rejected as unsupported
// arguments.
package oci

import (
	"github.com/hashicorp/terraform/internal/backend"
	"github.com/hashicorp/terraform/internal/backend/remote-state/inmem"
)

// New is the one function Terraform's internal/backend/init calls here.
func New() backend.Backend { return inmem.New() }
