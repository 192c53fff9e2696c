package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// appliedDaemonSet is what both resources hand to the shared apply, wait and read path: the
// DaemonSet to apply, the provider-side arguments, and where to put what the cluster says back.
type appliedDaemonSet interface {
	applyConfiguration(ctx context.Context) (*appsv1ac.DaemonSetApplyConfiguration, diag.Diagnostics)
	setFromObject(ctx context.Context, ds *appsv1.DaemonSet) diag.Diagnostics
	setCoverage(r coverage.Report) diag.Diagnostics
	rolloutSettings() rolloutSettings
}

// rolloutSettings are the provider-side arguments of an apply.
type rolloutSettings struct {
	fieldManager       string
	forceConflicts     bool
	wait               bool
	countNotReadyNodes bool
}

var getOptions = metav1.GetOptions{}

// applyAndWait server-side applies the DaemonSet, saves it to state at once, waits for the rollout
// when asked, and saves the final state. On a failed wait the state is saved with an error, which
// Terraform records as tainted after a create.
func applyAndWait(ctx context.Context, client *kubeclient.Client, m appliedDaemonSet, state *tfsdk.State, diags *diag.Diagnostics, verb string) {
	ac, d := m.applyConfiguration(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	settings := m.rolloutSettings()
	namespace, name := *ac.Namespace, *ac.Name
	id := namespace + "/" + name
	daemonSets := client.Clientset.AppsV1().DaemonSets(namespace)

	tflog.Info(ctx, "applying DaemonSet", map[string]any{"daemonset": id, "field_manager": settings.fieldManager, "force": settings.forceConflicts})
	ds, err := daemonSets.Apply(ctx, ac, metav1.ApplyOptions{FieldManager: settings.fieldManager, Force: settings.forceConflicts})
	if err != nil {
		diags.AddError(fmt.Sprintf("Cannot %s DaemonSet %s", verb, id), applyErrorMessage(client, err, settings.fieldManager))
		return
	}
	diags.Append(m.setFromObject(ctx, ds)...)
	diags.Append(m.setCoverage(coverage.Report{})...)
	if diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, m)...)

	report, err := waitOrSnapshot(ctx, client, namespace, name, settings, diags)
	diags.Append(m.setCoverage(report)...)
	if err != nil {
		var incomplete *rollout.IncompleteError
		if errors.As(err, &incomplete) {
			summary := fmt.Sprintf("DaemonSet %s did not cover every node", id)
			if errors.Is(err, context.Canceled) {
				// Terraform was interrupted: say so, since the rollout itself may be healthy.
				summary = fmt.Sprintf("Wait for DaemonSet %s interrupted before it covered every node", id)
			}
			diags.AddError(summary, err.Error())
		} else {
			diags.AddError(fmt.Sprintf("Cannot follow the rollout of DaemonSet %s", id), client.ExplainError(err).Error())
		}
		diags.Append(state.Set(ctx, m)...)
		return
	}
	// Read the object again so that state carries the status the rollout ended with.
	if fresh, err := daemonSets.Get(ctx, name, getOptions); err == nil {
		diags.Append(m.setFromObject(ctx, fresh)...)
	}
	diags.Append(state.Set(ctx, m)...)
}

// operationContext bounds an operation by its configured timeout (timeout is one of the timeouts
// value's Create, Update or Delete); ok is false when the timeout is invalid, which diags reports.
func operationContext(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), diags *diag.Diagnostics) (context.Context, context.CancelFunc, bool) {
	d, timeoutDiags := timeout(ctx, defaultTimeout)
	diags.Append(timeoutDiags...)
	if timeoutDiags.HasError() {
		return ctx, func() {}, false
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, true
}

// readDaemonSet reads the live DaemonSet into m. It returns false when the DaemonSet is gone, so
// that the caller removes the resource from state.
func readDaemonSet(ctx context.Context, client *kubeclient.Client, namespace, name string, m appliedDaemonSet, diags *diag.Diagnostics) bool {
	ds, err := client.Clientset.AppsV1().DaemonSets(namespace).Get(ctx, name, getOptions)
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		diags.AddError("Cannot read DaemonSet "+namespace+"/"+name, client.ExplainError(err).Error())
		return true
	}
	diags.Append(m.setFromObject(ctx, ds)...)
	return true
}

// waitOrSnapshot follows the rollout when asked to; otherwise it takes one look at coverage so that
// the computed coverage attribute still says where the DaemonSet stands.
func waitOrSnapshot(ctx context.Context, client *kubeclient.Client, namespace, name string, settings rolloutSettings, diags *diag.Diagnostics) (coverage.Report, error) {
	if !settings.wait {
		state, err := rollout.Snapshot(ctx, client.Clientset, namespace, name)
		if err != nil {
			return coverage.Report{}, err
		}
		return coverage.Compute(state, coverage.Options{Now: time.Now(), CountNotReadyNodes: settings.countNotReadyNodes}), nil
	}
	report, err := rollout.Wait(ctx, client.Clientset, namespace, name, rollout.Options{
		CountNotReadyNodes: settings.countNotReadyNodes,
		Progress: func(r coverage.Report) {
			tflog.Info(ctx, "waiting for the DaemonSet to cover every node", map[string]any{
				"daemonset": namespace + "/" + name, "covered": r.Covered, "counted": r.Counted, "progress": r.Progress(5),
			})
		},
	})
	if len(report.NotReady) > 0 {
		diags.AddWarning("Eligible nodes are not Ready",
			fmt.Sprintf("%d eligible node(s) are not Ready and were not waited for (set wait_for_not_ready_nodes = true to wait for them): %s",
				len(report.NotReady), firstNames(report.NotReady, 10)))
	}
	return report, err
}

// applyErrorMessage explains a failed server-side apply; a conflict names the other managers and
// their fields, and how to take them over.
func applyErrorMessage(client *kubeclient.Client, err error, fieldManager string) string {
	var status apierrors.APIStatus
	if !apierrors.IsConflict(err) || !errors.As(err, &status) || status.Status().Details == nil {
		return client.ExplainError(err).Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Server-side apply as field manager %q conflicts with fields owned by another manager:\n", fieldManager)
	for _, cause := range status.Status().Details.Causes {
		fmt.Fprintf(&b, "  - %s: %s\n", cause.Field, cause.Message)
	}
	b.WriteString("Set force_conflicts = true to take ownership of these fields, or remove them from the configuration.")
	return b.String()
}

// deleteAndWait deletes the DaemonSet with the given propagation and waits until the DaemonSet and
// the pods it still owns are gone (orphaned pods lose their owner reference, so they do not hold the
// wait). A DaemonSet already gone is success.
func deleteAndWait(ctx context.Context, client *kubeclient.Client, namespace, name, propagation string, diags *diag.Diagnostics) {
	id := namespace + "/" + name
	daemonSets := client.Clientset.AppsV1().DaemonSets(namespace)
	ds, err := daemonSets.Get(ctx, name, getOptions)
	if apierrors.IsNotFound(err) {
		return
	}
	if err != nil {
		diags.AddError("Cannot read DaemonSet "+id, client.ExplainError(err).Error())
		return
	}
	policy := metav1.DeletionPropagation(propagation)
	if propagation == "" {
		policy = metav1.DeletePropagationForeground
	}
	err = daemonSets.Delete(ctx, name, metav1.DeleteOptions{
		PropagationPolicy: &policy,
		Preconditions:     &metav1.Preconditions{UID: &ds.UID},
	})
	if apierrors.IsNotFound(err) {
		return
	}
	if err != nil {
		diags.AddError("Cannot delete DaemonSet "+id, client.ExplainError(err).Error())
		return
	}
	if err := rollout.WaitDeleted(ctx, client.Clientset, namespace, name, ds.UID, ds.Spec.Selector); err != nil {
		diags.AddError("DaemonSet "+id+" was not deleted in time", client.ExplainError(err).Error())
	}
}

func firstNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + " and " + strconv.Itoa(len(names)-n) + " more"
}
