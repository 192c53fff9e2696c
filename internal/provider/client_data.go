package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

// notConfiguredMessage explains a missing client: the provider leaves it unset only when its
// configuration was not known yet (see Configure), since any other failure stops Terraform there.
const notConfiguredMessage = "The provider configuration depends on values that are known only after apply " +
	"(for example the host or credentials of a cluster created in the same run), so no Kubernetes client could be " +
	"built for this operation. Apply the resources the provider configuration depends on first " +
	"(terraform apply -target=...), then run Terraform again."

// clientFromProviderData is the checked type assertion every resource and data source does in
// Configure. It returns nil without a diagnostic when there is no data yet: the framework calls
// Configure before the provider is configured, and again with nil when its configuration is unknown.
func clientFromProviderData(data any, diags *diag.Diagnostics) *kubeclient.Client {
	if data == nil {
		return nil
	}
	client, ok := data.(*kubeclient.Client)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *kubeclient.Client, got %T. This is a bug in the kubedaemon provider: please report it.", data))
		return nil
	}
	return client
}

// requireClient reports the missing client when an operation needs the cluster; it returns false then.
func requireClient(client *kubeclient.Client, diags *diag.Diagnostics) bool {
	if client == nil {
		diags.AddError("Provider not configured", notConfiguredMessage)
		return false
	}
	return true
}
