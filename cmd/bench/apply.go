package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// applyResult compares `terraform apply` with `kubectl apply` + `kubectl rollout status` of the
// same DaemonSet, started together on the same fresh nodes, each in a namespace of its own.
type applyResult struct {
	terraform, kubectl toolRun
}

// toolRun is one tool's apply as the watcher saw it.
type toolRun struct {
	// wall is from the common start to the tool's return.
	wall time.Duration
	// coveredAfter is from the common start to the moment the watcher saw the tool's last node covered.
	coveredAfter time.Duration
	// uncovered is the number of counted nodes the watcher saw uncovered when the tool returned.
	uncovered int
	// provider is what the provider processes measured (Terraform only).
	provider providerRun
}

// lag is how long after the watcher saw the last node covered the tool returned; negative when it
// returned before.
func (t toolRun) lag() time.Duration { return t.wall - t.coveredAfter }

// applySeed applies the seed DaemonSet through Terraform alone, for the reads measured on their own.
func (h *harness) applySeed(ctx context.Context, o options) error {
	dir := filepath.Join(h.work, "apply")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_, err := h.tf.run(ctx, dir, seedResource(h.kubeconfig, o.prefix+"-tf", o.timeout), "apply", "-auto-approve", "-input=false", "-no-color", "-lock=false")
	return err
}

// measureApply runs both applies at once, so that they meet the same controller, nodes and load.
func (h *harness) measureApply(ctx context.Context, o options) (applyResult, error) {
	var r applyResult
	tfNamespace, kubectlNamespace := o.prefix+"-tf", o.prefix+"-kubectl"
	dir := filepath.Join(h.work, "apply")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	manifest := filepath.Join(dir, "daemonset.yaml")
	if err := os.WriteFile(manifest, []byte(seedManifest(kubectlNamespace)), 0o644); err != nil {
		return r, err
	}

	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	started := time.Now()
	var wg sync.WaitGroup
	var tfErr, kubectlErr error
	wg.Go(func() {
		r.terraform.provider, tfErr = h.tf.run(ctx, dir, seedResource(h.kubeconfig, tfNamespace, o.timeout),
			"apply", "-auto-approve", "-input=false", "-no-color", "-lock=false")
		r.terraform.wall = time.Since(started)
		r.terraform.uncovered = h.watcher.view(tfNamespace, seedName).uncovered
	})
	wg.Go(func() {
		kubectlErr = h.kubectl(ctx, "apply", "-f", manifest)
		if kubectlErr == nil {
			kubectlErr = h.kubectl(ctx, "-n", kubectlNamespace, "rollout", "status", "daemonset/"+seedName, "--timeout="+o.timeout.String())
		}
		r.kubectl.wall = time.Since(started)
		r.kubectl.uncovered = h.watcher.view(kubectlNamespace, seedName).uncovered
	})
	wg.Wait()
	if tfErr != nil || kubectlErr != nil {
		return r, fmt.Errorf("apply: terraform: %v; kubectl: %v", tfErr, kubectlErr)
	}
	for _, t := range []struct {
		namespace string
		run       *toolRun
	}{{tfNamespace, &r.terraform}, {kubectlNamespace, &r.kubectl}} {
		v, err := h.watcher.await(ctx, t.namespace, seedName, func(v setView) bool { return !v.coveredAt.IsZero() })
		if err != nil {
			return r, err
		}
		t.run.coveredAfter = v.coveredAt.Sub(started)
	}
	if _, since := h.watcher.lastReady(tfNamespace, seedName); since.After(started.Add(r.terraform.wall)) {
		return r, fmt.Errorf("terraform apply returned %v before the last node's pod became Ready, by its Ready transition time",
			since.Sub(started.Add(r.terraform.wall)))
	}
	h.logf("apply: terraform returned after %v, %v after the last node was covered, %d uncovered; kubectl returned after %v, %v after, %d uncovered",
		r.terraform.wall.Round(time.Millisecond), r.terraform.lag().Round(time.Millisecond), r.terraform.uncovered,
		r.kubectl.wall.Round(time.Millisecond), r.kubectl.lag().Round(time.Millisecond), r.kubectl.uncovered)
	return r, nil
}

func (h *harness) kubectl(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", h.kubeconfig}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("kubectl %v: %w\n%s", args, err, tail(out.String(), 20))
	}
	return nil
}
