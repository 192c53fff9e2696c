package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	corev1 "k8s.io/api/core/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

// applyServiceAccount server-side applies the ServiceAccount the agent creates, with the agent's
// labels, before the DaemonSet: pods are refused while their ServiceAccount does not exist.
func applyServiceAccount(ctx context.Context, client *kubeclient.Client, m *nodeAgentModel, diags *diag.Diagnostics) {
	labels, d := m.labels(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	namespace, name := m.Namespace.ValueString(), m.ServiceAccountName.ValueString()
	applyServiceAccountConfiguration(ctx, client, corev1ac.ServiceAccount(name, namespace).WithLabels(labels), m.rolloutSettings(), diags)
}

func applyServiceAccountConfiguration(ctx context.Context, client *kubeclient.Client, sa *corev1ac.ServiceAccountApplyConfiguration, settings rolloutSettings, diags *diag.Diagnostics) {
	id := *sa.Namespace + "/" + *sa.Name
	tflog.Info(ctx, "applying ServiceAccount", map[string]any{"serviceaccount": id, "field_manager": settings.fieldManager})
	if err := daemonset.ApplyServiceAccount(ctx, client.Clientset, sa, settings.fieldManager, settings.forceConflicts); err != nil {
		diags.AddError("Cannot apply ServiceAccount "+id, applyErrorMessage(client, err, settings.fieldManager))
	}
}

// ensureServiceAccountAbsent fails when the ServiceAccount the agent is to create exists already and
// another tool made it: the agent never adopts (nor later deletes) it. One this agent made (its field
// manager owns the agent's name label), left by an apply that failed before state recorded it, is
// the agent's to use.
func ensureServiceAccountAbsent(ctx context.Context, client *kubeclient.Client, m *nodeAgentModel, diags *diag.Diagnostics) {
	namespace, name := m.Namespace.ValueString(), m.ServiceAccountName.ValueString()
	sa, err := daemonset.GetServiceAccount(ctx, client.Clientset, namespace, name)
	var ours bool
	if sa != nil && err == nil {
		ours, err = createdBy(sa, m)
	}
	switch {
	case err != nil:
		diags.AddError("Cannot read ServiceAccount "+namespace+"/"+name, client.Explain(err))
	case sa != nil && !ours:
		diags.AddAttributeError(path.Root("service_account_name"), "ServiceAccount "+namespace+"/"+name+" already exists",
			fmt.Sprintf("The agent creates its ServiceAccount only when none exists, so that it never takes over, or later deletes, "+
				"one another tool made (uid %s). To run the agent under it, set create_service_account = false and "+
				"service_account_name = %q; or choose another service_account_name.", sa.UID, name))
	}
}

// serviceAccountCreated tells whether the agent created its ServiceAccount: whether the field
// manager owns the agent's name label on it. A ServiceAccount the agent merely uses carries no such
// label from this manager, even when another agent created it.
func serviceAccountCreated(ctx context.Context, client *kubeclient.Client, m *nodeAgentModel) (bool, error) {
	sa, err := daemonset.GetServiceAccount(ctx, client.Clientset, m.Namespace.ValueString(), m.ServiceAccountName.ValueString())
	if sa == nil || err != nil {
		return false, err
	}
	return createdBy(sa, m)
}

// createdBy tells whether the agent m created sa (see serviceAccountCreated).
func createdBy(sa *corev1.ServiceAccount, m *nodeAgentModel) (bool, error) {
	owned, err := corev1ac.ExtractServiceAccount(sa, m.fieldManager())
	if err != nil {
		return false, err
	}
	return owned.Labels[agentNameLabel] == m.Name.ValueString(), nil
}

// retireServiceAccount deals with the ServiceAccount the agent created before an update and no
// longer creates: deleted when the pods have moved to another one, released (the manager's fields
// given up, the object left) when they still run under it.
func retireServiceAccount(ctx context.Context, client *kubeclient.Client, prior, plan *nodeAgentModel, diags *diag.Diagnostics) {
	if !prior.CreateServiceAccount.ValueBool() {
		return
	}
	name := prior.ServiceAccountName.ValueString()
	stillUsed := plan.ServiceAccountName.ValueString() == name
	switch {
	case stillUsed && plan.CreateServiceAccount.ValueBool():
	case stillUsed:
		applyServiceAccountConfiguration(ctx, client, corev1ac.ServiceAccount(name, prior.Namespace.ValueString()), plan.rolloutSettings(), diags)
	default:
		deleteServiceAccount(ctx, client, prior.Namespace.ValueString(), name, diags)
	}
}

// deleteServiceAccount deletes a ServiceAccount the agent created; one already gone is success.
func deleteServiceAccount(ctx context.Context, client *kubeclient.Client, namespace, name string, diags *diag.Diagnostics) {
	if err := daemonset.DeleteServiceAccount(ctx, client.Clientset, namespace, name); err != nil {
		diags.AddError("Cannot delete ServiceAccount "+namespace+"/"+name, client.ExplainError(err).Error())
	}
}
