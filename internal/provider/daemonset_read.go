package provider

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/daemonset"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/waves"
)

// readDaemonSet reads the live DaemonSet into m, with its coverage now. It returns false when the
// DaemonSet state recorded is gone (deleted, or replaced by another object of the same name), so
// that the caller removes the resource from state. Right after an import it remembers in private
// whose fields the first apply takes over.
func readDaemonSet(ctx context.Context, client *kubeclient.Client, namespace, name string, m appliedDaemonSet, private privateData, diags *diag.Diagnostics) bool {
	// A plan refreshes every resource: their reads are shared (see rollout.Refreshes).
	ds, err := client.Refreshes.DaemonSet(ctx, namespace, name)
	if err == nil {
		err = daemonset.Recorded(ds, m.recordedUID())
	}
	var replaced *daemonset.ReplacedError
	switch {
	case apierrors.IsNotFound(err):
		return false
	case errors.As(err, &replaced):
		diags.AddWarning("DaemonSet replaced outside Terraform", replaced.Error()+
			". The plan creates it again, which fails while the other object exists: import that one or delete it.")
		return false
	case err != nil:
		diags.AddError("Cannot read DaemonSet "+namespace+"/"+name, client.Explain(err))
		return true
	}
	view, prev := readManaged(ctx, m, ds, diags)
	if diags.HasError() {
		return true
	}
	settings := m.rolloutSettings()
	diags.Append(m.setFromObject(ctx, ds, view)...)
	if prev != nil {
		raw, err := json.Marshal(prev.Managers)
		if err == nil {
			diags.Append(private.SetKey(ctx, previousManagersKey, raw)...)
		}
	}
	if state, report, err := client.Refreshes.Snapshot(ctx, ds, settings.coverageOptions()); err == nil {
		var progress []waves.Progress
		if staged := stages(settings.policy); staged != nil {
			_, progress = waves.Summarize(staged.Waves, report, state.Nodes)
		}
		diags.Append(m.setCoverage(report, progress)...)
	} else {
		tflog.Warn(ctx, "cannot compute the DaemonSet's coverage", map[string]any{"daemonset": namespace + "/" + name, "error": err.Error()})
	}
	return true
}

// readInto fills m from the live DaemonSet.
func readInto(ctx context.Context, m appliedDaemonSet, ds *appsv1.DaemonSet) diag.Diagnostics {
	var diags diag.Diagnostics
	view, _ := readManaged(ctx, m, ds, &diags)
	if diags.HasError() {
		return diags
	}
	return append(diags, m.setFromObject(ctx, ds, view)...)
}

// readManaged is the live DaemonSet limited to the paths m manages: those its configuration sets,
// or right after an import those that the previous tools set (then also returned).
func readManaged(ctx context.Context, m appliedDaemonSet, ds *appsv1.DaemonSet, diags *diag.Diagnostics) (managedView, *daemonset.Previous) {
	view := managedView{DaemonSetApplyConfiguration: appsv1ac.DaemonSet(ds.Name, ds.Namespace)}
	id := ds.Namespace + "/" + ds.Name
	var obj map[string]any
	var prev *daemonset.Previous
	var err error
	if m.imported() {
		var p daemonset.Previous
		obj, p, err = daemonset.ReadImported(ds)
		prev, view.recorded = &p, p.Recorded
	} else {
		desired, d := m.desiredObject(ctx)
		diags.Append(d...)
		if d.HasError() {
			return view, nil
		}
		obj, err = daemonset.Read(ds, desired, m.rolloutSettings().fieldManager)
	}
	if err == nil {
		var raw []byte
		if raw, err = json.Marshal(obj); err == nil {
			err = json.Unmarshal(raw, view.DaemonSetApplyConfiguration)
		}
		view.object = obj
	}
	if err != nil {
		diags.AddError("Cannot read DaemonSet "+id, err.Error())
		return view, nil
	}
	return view, prev
}

// deleteAndWait deletes the DaemonSet that state recorded (uid) with the given propagation and
// waits until the DaemonSet and the pods it still owns are gone (orphaned pods lose their owner
// reference, so they do not hold the wait). A DaemonSet already gone is success; one made again
// under the same name by someone else is left alone, with a warning.
func deleteAndWait(ctx context.Context, client *kubeclient.Client, namespace, name string, uid types.UID, propagation string, diags *diag.Diagnostics) {
	id := namespace + "/" + name
	policy := metav1.DeletionPropagation(propagation)
	if propagation == "" {
		policy = metav1.DeletePropagationForeground
	}
	ds, err := daemonset.Delete(ctx, client.Clientset, namespace, name, uid, policy)
	var replaced *daemonset.ReplacedError
	switch {
	case errors.As(err, &replaced):
		diags.AddWarning("DaemonSet left alone", replaced.Error()+".")
		return
	case err != nil:
		diags.AddError("Cannot delete DaemonSet "+id, client.Explain(err))
		return
	case ds == nil:
		return
	}
	if err := rollout.WaitDeleted(ctx, client.Clientset, namespace, name, ds.UID, ds.Spec.Selector); err != nil {
		diags.AddError("DaemonSet "+id+" was not deleted in time", client.ExplainError(err).Error())
	}
}
