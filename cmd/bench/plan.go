package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// planResult holds `terraform plan` of one configuration of many DaemonSets: as a create, and with
// every spec changed once they exist, which also refreshes each of them first.
type planResult struct {
	daemonSets     int
	create, change []providerRun
	// apply made the DaemonSets between the two kinds of plan and waited for their rollouts.
	apply providerRun
}

func (h *harness) measurePlan(ctx context.Context, o options) (planResult, error) {
	r := planResult{daemonSets: o.daemonSets}
	namespace := o.prefix + "-plan"
	dir := filepath.Join(h.work, "plan")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	config := func(revision string) string {
		return planDaemonSets(h.kubeconfig, namespace, o.prefix, o.daemonSets, revision, o.timeout)
	}
	// plans plans the configuration at revision o.reads times; each plan must say want.
	plans := func(revision, want string) ([]providerRun, error) {
		var runs []providerRun
		for range o.reads {
			run, err := h.tf.run(ctx, dir, config(revision), "plan", "-input=false", "-no-color", "-lock=false")
			if err != nil {
				return runs, err
			}
			if !strings.Contains(run.output, want) {
				return runs, fmt.Errorf("the plan does not say %q:\n%s", want, tail(run.output, 20))
			}
			runs = append(runs, run)
		}
		return runs, nil
	}

	var err error
	if r.create, err = plans("1", fmt.Sprintf("Plan: %d to add, 0 to change, 0 to destroy.", o.daemonSets)); err != nil {
		return r, err
	}
	r.apply, err = h.tf.run(ctx, dir, config("1"), "apply", "-auto-approve", "-input=false", "-no-color", "-lock=false")
	if err != nil {
		return r, err
	}
	if r.change, err = plans("2", fmt.Sprintf("Plan: 0 to add, %d to change, 0 to destroy.", o.daemonSets)); err != nil {
		return r, err
	}
	h.logf("plan of %d DaemonSets: create %v, %d MB, %d requests; every spec changed %v, %d MB, %d requests (their apply: %v, %d requests)",
		o.daemonSets, r.create[0].wall.Round(time.Millisecond), r.create[0].peakRSS>>20, r.create[0].requests.Requests,
		r.change[0].wall.Round(time.Millisecond), r.change[0].peakRSS>>20, r.change[0].requests.Requests,
		r.apply.wall.Round(time.Millisecond), r.apply.requests.Requests)
	return r, nil
}
