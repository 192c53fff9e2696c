// Stand-in for Terraform's internal/legacy module, which Terraform never publishes (its go.mod
// replaces it with a local directory). No package of the CLI imports it, only one of Terraform's
// own tests, so it is empty: it is here because Terraform requires the module, and `go mod tidy`,
// `go list -m all` and `go mod graph` read its go.mod, which the module proxy does not serve.
module github.com/hashicorp/terraform/internal/legacy

go 1.23.3
