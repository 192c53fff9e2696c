package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/coverage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

// appliedDaemonSet is what both resources hand to the shared apply, wait and read path: the
// DaemonSet to apply, the provider-side arguments, and where to put what the cluster says back.
type appliedDaemonSet interface {
	applyConfiguration(ctx context.Context) (*appsv1ac.DaemonSetApplyConfiguration, diag.Diagnostics)
	// desiredObject is the DaemonSet as the apply request carries it: the apply configuration's
	// JSON, with the empty lists and maps the configuration sets (apply configurations leave them
	// out), so that server-side apply records those paths too.
	desiredObject(ctx context.Context) (map[string]any, diag.Diagnostics)
	// setFromObject fills the model from the live DaemonSet ds, where managed is ds limited to
	// the paths the model manages (see readInto).
	setFromObject(ctx context.Context, ds *appsv1.DaemonSet, managed managedView) diag.Diagnostics
	// imported reports whether the model holds only the identity an import gave it.
	imported() bool
	setCoverage(r coverage.Report, progress []waves.Progress) diag.Diagnostics
	rolloutSettings() rolloutSettings
	recordedUID() types.UID
	// resourceType names the resource, for the import block an error suggests.
	resourceType() string
}

// managedView is the live DaemonSet limited to the paths a model manages: as JSON, which keeps the
// empty lists and maps a configuration sets, and as an apply configuration, for typed reads.
type managedView struct {
	object map[string]any
	*appsv1ac.DaemonSetApplyConfiguration
	// recorded is, right after an import, the configuration the provider recorded when it applied
	// the object (daemonset.Previous.Recorded), which then stands in for the prior state.
	recorded map[string]any
}

// rolloutSettings are the provider-side arguments of an apply.
type rolloutSettings struct {
	fieldManager       string
	forceConflicts     bool
	wait               bool
	countNotReadyNodes bool
	// rollback re-applies the previous template when an update's rollout fails.
	rollback bool
	// policy is the configured rollout attribute, for its waves (see stages).
	policy basetypes.ObjectValue
}

// previousManagersKey is the private state that remembers, from an import to the first apply,
// whose fields that apply takes over.
const previousManagersKey = "previous_managers"

// privateData is the resource's private state (the framework's request and response Private).
type privateData interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// applyAndWait server-side applies the DaemonSet, saves it to state at once, waits for the rollout
// when asked, and saves the final state. A create first makes sure that no DaemonSet of that name
// exists; an update first takes over the fields of the tools an import found (once). On a failed
// wait the state is saved with an error, which Terraform records as tainted after a create; after
// an update, the incomplete coverage it records makes the next plan finish the rollout. prior is
// the state before an update, nil for a create. The operation is bounded by timeout; when it rolls a
// failed update back (see rollBack), the rollback has a timeout of its own, as long. It reports
// whether it rolled back.
func applyAndWait(parent context.Context, timeout time.Duration, client *kubeclient.Client, m, prior appliedDaemonSet, state *tfsdk.State, private privateData, diags *diag.Diagnostics) (rolledBack bool) {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	desired, d := m.desiredObject(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	settings := m.rolloutSettings()
	metadata, _ := desired["metadata"].(map[string]any)
	namespace, _ := metadata["namespace"].(string)
	name, _ := metadata["name"].(string)
	id := namespace + "/" + name
	if prior == nil {
		if err := daemonset.EnsureAbsent(ctx, client.Clientset, namespace, name); err != nil {
			addExistsError(client, err, "Cannot create DaemonSet "+id, m.resourceType(), diags)
			return false
		}
	} else {
		hold := timeout
		if settings.rollback {
			hold *= 2 // the rollback has a timeout of its own, as long
		}
		release, ok := lockRollout(ctx, client, namespace, name, prior.recordedUID(), hold, diags)
		if !ok {
			return false
		}
		defer release()
		if !takeOverImported(ctx, client, namespace, name, prior.recordedUID(), settings.fieldManager, private, diags) {
			return false
		}
	}

	ds, ok := serverSideApply(ctx, client, namespace, name, desired, prior, settings, diags)
	if !ok {
		return false
	}
	diags.Append(readInto(ctx, m, ds)...)
	diags.Append(m.setCoverage(coverage.Report{}, nil)...)
	if diags.HasError() {
		return false
	}
	diags.Append(state.Set(ctx, m)...)

	staging := stages(settings.policy)
	if prior == nil && staging != nil {
		// A create starts every pod at once, and a pod that was never replaced has nothing to bake
		// against: the waves only report its progress.
		for i := range staging.Waves {
			staging.Waves[i].Bake = 0
		}
	}
	report, err := waitOrSnapshot(ctx, client, namespace, name, settings, staging, diags)
	diags.Append(m.setCoverage(report, progressOf(staging, report))...)
	if err != nil {
		if prior != nil && staging != nil && staging.Halted() != "" {
			err = fmt.Errorf("staged rollout halted in %s: %w", staging.Halted(), err)
		}
		if prior != nil && settings.rollback && rollbackFor(err) {
			diags.Append(state.Set(ctx, m)...)
			return rollBack(parent, timeout, client, m, prior, namespace, name, err, state, diags)
		}
		addWaitError(diags, client, id, err, "The next plan shows an update that waits for the rollout again.")
		diags.Append(state.Set(ctx, m)...)
		return
	}
	warnOldRevisions(report, diags)
	saveFinal(ctx, client, m, namespace, name, ds.UID, state, diags)
	return false
}

// saveFinal reads the DaemonSet again, so that state carries the status the rollout ended with, and
// saves m.
func saveFinal(ctx context.Context, client *kubeclient.Client, m appliedDaemonSet, namespace, name string, uid types.UID, state *tfsdk.State, diags *diag.Diagnostics) {
	if fresh, err := daemonset.Get(ctx, client.Clientset, namespace, name, uid); err == nil {
		diags.Append(readInto(ctx, m, fresh)...)
	}
	diags.Append(state.Set(ctx, m)...)
}

// addWaitError reports why the wait for the rollout of DaemonSet id ended before it was complete,
// followed by then, which says what happens next.
func addWaitError(diags *diag.Diagnostics, client *kubeclient.Client, id string, err error, then string) {
	var incomplete *rollout.IncompleteError
	var refused *rollout.CreateFailedError
	var wave *rollout.WaveFailedError
	switch {
	case errors.As(err, &wave):
		diags.AddError(fmt.Sprintf("DaemonSet %s failed a wave of its staged rollout", id), err.Error()+"\n\nThe nodes of later waves keep their pods. "+then)
	case errors.As(err, &refused):
		diags.AddError(fmt.Sprintf("DaemonSet %s cannot create its pods", id), err.Error()+"\n\nFix the cause (or the configuration). "+then)
	case errors.As(err, &incomplete):
		summary := fmt.Sprintf("DaemonSet %s did not cover every node", id)
		if errors.Is(err, context.Canceled) {
			// Terraform was interrupted: say so, since the rollout itself may be healthy.
			summary = fmt.Sprintf("Wait for DaemonSet %s interrupted before it covered every node", id)
		}
		diags.AddError(summary, err.Error()+"\n\n"+then)
	default:
		diags.AddError(fmt.Sprintf("Cannot follow the rollout of DaemonSet %s", id), client.ExplainError(err).Error())
	}
}

// serverSideApply applies desired. A conflict over fields that state already managed (another
// tool changed them, and the plan showed the change back as drift) is resolved by taking them
// back, with a warning; a conflict over a field the configuration newly sets fails, naming its
// managers, unless force_conflicts is set.
func serverSideApply(ctx context.Context, client *kubeclient.Client, namespace, name string, desired map[string]any, prior appliedDaemonSet, settings rolloutSettings, diags *diag.Diagnostics) (*appsv1.DaemonSet, bool) {
	body, err := daemonset.ApplyBody(desired)
	if err != nil {
		diags.AddError(fmt.Sprintf("Cannot encode DaemonSet %s/%s", namespace, name), err.Error())
		return nil, false
	}
	tflog.Info(ctx, "applying DaemonSet", map[string]any{"daemonset": namespace + "/" + name, "field_manager": settings.fieldManager, "force": settings.forceConflicts})
	apply := func(force bool) (*appsv1.DaemonSet, error) {
		return daemonset.Apply(ctx, client.Clientset, namespace, name, body, settings.fieldManager, force)
	}
	ds, err := apply(settings.forceConflicts)
	if apierrors.IsConflict(err) && prior != nil {
		if owners, ok := driftOwners(ctx, client, namespace, name, desired, prior, settings.fieldManager); ok {
			if ds, err = apply(true); err == nil {
				diags.AddWarning("Took back fields changed by another tool",
					fmt.Sprintf("DaemonSet %s/%s: fields this configuration manages had been changed by %s; the apply set them back to the configured values, as the plan showed.",
						namespace, name, strings.Join(owners, ", ")))
			}
		}
	}
	if err != nil {
		diags.AddError(fmt.Sprintf("Cannot apply DaemonSet %s/%s", namespace, name), applyErrorMessage(client, err, settings.fieldManager))
		return nil, false
	}
	return ds, true
}

// driftOwners names the managers that own fields of desired which the prior state already
// managed, and reports whether every field of desired they own is such a field.
func driftOwners(ctx context.Context, client *kubeclient.Client, namespace, name string, desired map[string]any, prior appliedDaemonSet, fieldManager string) ([]string, bool) {
	priorObject, d := prior.desiredObject(ctx)
	if d.HasError() {
		return nil, false
	}
	wanted, errDesired := daemonset.FieldsOf(desired)
	managed, errPrior := daemonset.FieldsOf(priorObject)
	live, errLive := daemonset.Get(ctx, client.Clientset, namespace, name, prior.recordedUID())
	if errDesired != nil || errPrior != nil || errLive != nil {
		return nil, false
	}
	owners, contested, err := daemonset.OwnedByOthers(live, wanted, fieldManager)
	if err != nil || len(owners) == 0 || !managed.Covers(contested) {
		return nil, false
	}
	return owners, true
}

// applyConfigurationJSON is an apply configuration's JSON as a map.
func applyConfigurationJSON(ac *appsv1ac.DaemonSetApplyConfiguration) (map[string]any, diag.Diagnostics) {
	var diags diag.Diagnostics
	raw, err := json.Marshal(ac)
	var out map[string]any
	if err == nil {
		err = json.Unmarshal(raw, &out)
	}
	if err != nil {
		diags.AddError("Cannot encode the DaemonSet", err.Error())
	}
	return out, diags
}

// takeOverImported moves to fieldManager the fields of the managers that the import found, once,
// at the first apply after the import. It reports false when it failed (diags says why).
func takeOverImported(ctx context.Context, client *kubeclient.Client, namespace, name string, uid types.UID, fieldManager string, private privateData, diags *diag.Diagnostics) bool {
	raw, d := private.GetKey(ctx, previousManagersKey)
	diags.Append(d...)
	var from []daemonset.Manager
	if len(raw) == 0 || json.Unmarshal(raw, &from) != nil || len(from) == 0 {
		return !diags.HasError()
	}
	id := namespace + "/" + name
	for attempt := 0; ; attempt++ {
		live, err := daemonset.Get(ctx, client.Clientset, namespace, name, uid)
		if err != nil {
			diags.AddError("Cannot read DaemonSet "+id, client.Explain(err))
			return false
		}
		taken, err := daemonset.TakeOver(ctx, client.Clientset, live, from, fieldManager)
		if apierrors.IsConflict(err) && attempt < 3 {
			continue // the object changed between the read and the patch: read it again
		}
		if err != nil {
			diags.AddError("Cannot take over the fields of DaemonSet "+id, client.Explain(err))
			return false
		}
		if len(taken) > 0 {
			diags.AddWarning("Took over the imported DaemonSet's fields",
				fmt.Sprintf("DaemonSet %s: the fields set by %s now belong to field manager %q, so a field removed from the configuration is removed from the DaemonSet. No pod restarts unless the template changes.",
					id, daemonset.Previous{Managers: taken}.Names(), fieldManager))
		}
		diags.Append(private.SetKey(ctx, previousManagersKey, nil)...)
		return !diags.HasError()
	}
}

// addExistsError reports a create over an existing object with the import block to write.
func addExistsError(client *kubeclient.Client, err error, summary, resourceType string, diags *diag.Diagnostics) {
	var exists *daemonset.ExistsError
	if errors.As(err, &exists) {
		diags.AddError(summary, exists.Error()+"\n\n"+exists.ImportBlock(resourceType))
		return
	}
	diags.AddError(summary, client.Explain(err))
}

// operationTimeout is an operation's configured timeout (timeout is one of the timeouts value's
// Create, Update or Delete); ok is false when the timeout is invalid, which diags reports.
func operationTimeout(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), diags *diag.Diagnostics) (time.Duration, bool) {
	d, timeoutDiags := timeout(ctx, defaultTimeout)
	diags.Append(timeoutDiags...)
	return d, !timeoutDiags.HasError()
}

// operationContext bounds an operation by its configured timeout (see operationTimeout).
func operationContext(ctx context.Context, timeout func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), diags *diag.Diagnostics) (context.Context, context.CancelFunc, bool) {
	d, ok := operationTimeout(ctx, timeout, diags)
	if !ok {
		return ctx, func() {}, false
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, true
}

// waitOrSnapshot follows the rollout when asked to; otherwise it takes one look at coverage so that
// the computed coverage attribute still says where the DaemonSet stands.
// Under a staged rollout (staging, nil for none) the wait replaces the pods wave by wave.
func waitOrSnapshot(ctx context.Context, client *kubeclient.Client, namespace, name string, settings rolloutSettings, staging *waves.Rollout, diags *diag.Diagnostics) (coverage.Report, error) {
	if !settings.wait {
		return snapshot(ctx, client, namespace, name, settings)
	}
	report, err := rollout.Wait(ctx, client.Clientset, namespace, name, rollout.Options{
		CountNotReadyNodes: settings.countNotReadyNodes,
		Stages:             staging,
		Progress: func(r coverage.Report) {
			fields := map[string]any{
				"daemonset": namespace + "/" + name, "covered": r.Covered, "counted": r.Counted, "progress": r.Progress(5),
			}
			if staging != nil {
				fields["waves"] = fmt.Sprintf("%+v", staging.Progress(r))
			}
			tflog.Info(ctx, "waiting for the DaemonSet to cover every node", fields)
		},
	})
	warnNotReady(report, diags)
	return report, err
}

// warnNotReady names the eligible nodes that a wait did not wait for because they are not Ready.
func warnNotReady(report coverage.Report, diags *diag.Diagnostics) {
	if len(report.NotReady) > 0 {
		diags.AddWarning("Eligible nodes are not Ready",
			fmt.Sprintf("%d eligible node(s) are not Ready and were not waited for (set wait_for_not_ready_nodes = true to wait for them): %s",
				len(report.NotReady), firstNames(report.NotReady, 10)))
	}
}

// snapshot is the coverage of the DaemonSet now, from one look at its nodes and pods.
func snapshot(ctx context.Context, client *kubeclient.Client, namespace, name string, settings rolloutSettings) (coverage.Report, error) {
	_, report, err := rollout.Snapshot(ctx, client.Clientset, namespace, name, client.Nodes, settings.coverageOptions())
	return report, err
}

// progressOf is the waves' progress in report, nil without waves.
func progressOf(staging *waves.Rollout, report coverage.Report) []waves.Progress {
	if staging == nil {
		return nil
	}
	return staging.Progress(report)
}

// coverageOptions are the options of a snapshot's report under these settings.
func (s rolloutSettings) coverageOptions() coverage.Options {
	return coverage.Options{CountNotReadyNodes: s.countNotReadyNodes}
}

// warnOldRevisions says which nodes still run an older revision after a rollout under OnDelete,
// where they count as covered because their pods change only when deleted.
func warnOldRevisions(report coverage.Report, diags *diag.Diagnostics) {
	if !report.OnDelete {
		return
	}
	var old []string
	for _, n := range report.Nodes {
		if n.Covered && n.Pod != "" && !n.CurrentRevision {
			old = append(old, n.Name)
		}
	}
	if len(old) > 0 {
		diags.AddWarning("Nodes still run an older revision",
			fmt.Sprintf("Under the OnDelete update strategy pods change only when deleted: %d node(s) still run a pod of an older revision: %s. Delete those pods to update them.",
				len(old), firstNames(old, 10)))
	}
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

func firstNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + " and " + strconv.Itoa(len(names)-n) + " more"
}
