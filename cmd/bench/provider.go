package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubedaemon/terraform-provider-kubedaemon/cmd/bench/usage"
	"github.com/kubedaemon/terraform-provider-kubedaemon/internal/kubeclient"
)

// terraform runs Terraform with the provider built from this tree. Terraform starts the provider
// through dev_overrides; the directory it is pointed at holds the benchmark's provider wrapper
// (cmd/bench/wrapper) under the provider's name, which runs the real provider as its child and
// records what the child used.
type terraform struct {
	// provider is the real provider binary; pluginDir holds the wrapper under the provider's name.
	provider, pluginDir, cliConfig string
}

// newTerraform builds the provider from the module that contains this benchmark into work and
// points Terraform at it through the wrapper.
func newTerraform(ctx context.Context, work string) (*terraform, error) {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOMOD: %w", err)
	}
	tf := &terraform{
		provider:  filepath.Join(work, "provider", "terraform-provider-kubedaemon"),
		pluginDir: filepath.Join(work, "plugins"),
		cliConfig: filepath.Join(work, "terraformrc"),
	}
	for what, out := range map[string]string{".": tf.provider, "./cmd/bench/wrapper": filepath.Join(tf.pluginDir, "terraform-provider-kubedaemon")} {
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=bench", "-o", out, what)
		build.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
		if output, err := build.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("building %s: %w\n%s", what, err, output)
		}
	}
	rc := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"kubedaemon/kubedaemon\" = %q\n  }\n  direct {}\n}\n", tf.pluginDir)
	return tf, os.WriteFile(tf.cliConfig, []byte(rc), 0o644)
}

// providerRun is what the provider processes of one Terraform command did.
type providerRun struct {
	wall time.Duration
	// peakRSS is the largest peak resident set size of the provider processes, in bytes; cpu is
	// their CPU time, user and system, added up.
	peakRSS int64
	cpu     time.Duration
	// terraformCPU is the CPU time of Terraform itself: the kernel counts the processes a process
	// waited for in its own figures, so the providers' time is taken out of the command's.
	terraformCPU time.Duration
	requests     kubeclient.RequestCount
	kinds        map[string]kubeclient.RequestCount
	output       string
}

// run runs one Terraform command in dir, config being its main.tf, and collects what its provider
// processes measured.
func (tf *terraform) run(ctx context.Context, dir, config string, args ...string) (providerRun, error) {
	var r providerRun
	debug := filepath.Join(dir, fmt.Sprintf("debug-%d", time.Now().UnixNano()))
	if err := os.MkdirAll(debug, 0o755); err != nil {
		return r, err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644); err != nil {
		return r, err
	}
	cmd := exec.CommandContext(ctx, "terraform", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+tf.cliConfig,
		"TF_DATA_DIR="+filepath.Join(dir, ".terraform"),
		"TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1",
		kubeclient.DebugRequestsEnv+"="+debug,
		usage.WrappedProviderEnv+"="+tf.provider,
		usage.DirEnv+"="+debug,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	started := time.Now()
	err := cmd.Run()
	r.wall = time.Since(started)
	r.output = out.String()
	if err != nil {
		return r, fmt.Errorf("terraform %s in %s: %w\n%s", strings.Join(args, " "), dir, err, tail(r.output, 40))
	}
	if err = r.readProviderFiles(debug); err != nil {
		return r, err
	}
	r.terraformCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime() - r.cpu
	return r, nil
}

// readProviderFiles adds up what the processes that wrote to dir measured: their requests and CPU
// time, and the largest of their peak RSS.
func (r *providerRun) readProviderFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	r.kinds = map[string]kubeclient.RequestCount{}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(e.Name(), "usage-"):
			var u usage.Process
			if err := json.Unmarshal(data, &u); err != nil {
				return fmt.Errorf("%s: %w", e.Name(), err)
			}
			r.peakRSS = max(r.peakRSS, u.PeakRSS)
			r.cpu += u.CPU
		case strings.HasPrefix(e.Name(), "kubedaemon-requests-") && strings.HasSuffix(e.Name(), ".json"):
			var f kubeclient.RequestsFile
			if err := json.Unmarshal(data, &f); err != nil {
				return fmt.Errorf("%s: %w", e.Name(), err)
			}
			for kind, n := range f.Kinds {
				sum := r.kinds[kind]
				sum.Requests += n.Requests
				sum.Bytes += n.Bytes
				r.kinds[kind] = sum
			}
		}
	}
	r.requests = total(r.kinds)
	return nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
