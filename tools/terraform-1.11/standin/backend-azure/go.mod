// Stand-in for Terraform's own "azurerm" state backend module: see backend.go.
module github.com/hashicorp/terraform/internal/backend/remote-state/azure

go 1.23.3

require github.com/hashicorp/terraform v1.11.4
