package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/rollout"
)

// rollbackFor reports whether a wait that ended with err found the rollout failed, which is what
// on_failure = "rollback" undoes: nodes left uncovered when the timeout ran out, pods the
// controller cannot create, or a wave that failed its bake. An interrupt is not a failure of the rollout (the user stopped it, and
// the next apply resumes it), nor is an error that kept the wait from seeing the rollout at all.
func rollbackFor(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var incomplete *rollout.IncompleteError
	var refused *rollout.CreateFailedError
	var wave *rollout.WaveFailedError
	return errors.As(err, &incomplete) || errors.As(err, &refused) || errors.As(err, &wave)
}

// rollBack applies the prior configuration again after the update to m failed its rollout (failure
// says how), and waits until every counted node is covered by the prior template, with a timeout
// of its own. It always fails the apply: saying that it rolled back and why, or that the rollback
// did not complete, naming the nodes. Once the prior template is applied, state holds the prior
// configuration (so the next plan shows the same change again) and rollBack reports true; when it
// cannot even apply it, state keeps m with its incomplete coverage, as after a failed update.
func rollBack(parent context.Context, timeout time.Duration, client *kubeclient.Client, m, prior appliedDaemonSet, namespace, name string, failure error, state *tfsdk.State, diags *diag.Diagnostics) bool {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	id, why := namespace+"/"+name, failure.Error()
	previous, d := prior.desiredObject(ctx)
	diags.Append(d...)
	if d.HasError() {
		return false
	}
	// The update's settings: they asked for the rollback, and so for its wait, whatever the prior
	// configuration said; and their field manager owns the fields now.
	settings := m.rolloutSettings()
	tflog.Warn(ctx, "the update's rollout failed: rolling back to the previous template", map[string]any{"daemonset": id, "failure": why})
	ds, ok := serverSideApply(ctx, client, namespace, name, previous, m, settings, diags)
	if !ok {
		diags.AddError(fmt.Sprintf("DaemonSet %s not rolled back", id),
			"The update's rollout failed, and applying the previous template again failed too (see the error above). The update's rollout failed because:\n\n"+why+
				"\n\nThe next plan shows an update that applies this configuration again and waits for it.")
		return false
	}
	diags.Append(readInto(ctx, prior, ds)...)
	// Under waves the previous template, too, reaches the nodes only as the provider replaces
	// their pods: all at once, at the waves' pace, no bake.
	report, err := waitOrSnapshot(ctx, client, namespace, name, settings, rollbackStages(settings.policy), diags)
	// The rollback's one wave is not the prior configuration's waves: the next read reports those.
	diags.Append(prior.setCoverage(report, nil)...)
	if err != nil {
		diags.AddError(fmt.Sprintf("Rollback of DaemonSet %s did not complete", id),
			"The update's rollout failed, so the previous template was applied again, but it does not cover every node yet:\n\n"+err.Error()+
				"\n\nThe update's rollout failed because:\n\n"+why+"\n\nState holds the previous configuration; the next apply shows the update again.")
		diags.Append(state.Set(ctx, prior)...)
		return true
	}
	saveFinal(ctx, client, prior, namespace, name, ds.UID, state, diags)
	diags.AddError(fmt.Sprintf("DaemonSet %s rolled back", id),
		fmt.Sprintf("The update's rollout failed, so the previous template was applied again (on_failure = \"rollback\"): all %d counted nodes run a Ready pod of it (revision %s). The rollout failed because:\n\n%s\n\n"+
			"State holds the previous configuration, so the next plan shows the same change again: fix the cause first.", report.Counted, report.Revision, why))
	return true
}
