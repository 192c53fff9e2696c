// Stand-in for Terraform's own "consul" state backend module: see backend.go.
module github.com/hashicorp/terraform/internal/backend/remote-state/consul

go 1.26.8

require github.com/hashicorp/terraform v1.16.4
