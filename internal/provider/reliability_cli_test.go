package provider

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// terraformCLI runs the terraform binary on one configuration, with the provider built from this
// module, for what terraform-plugin-testing cannot do: interrupt an apply, read the warnings of a
// run, or keep the whole log of one.
type terraformCLI struct {
	t         *testing.T
	terraform string
	dir       string
	env       []string
}

// skipUnlessAcc skips an acceptance test unless TF_ACC asks for them.
func skipUnlessAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and KUBE_CONFIG_PATH to run it")
	}
	testAccPreCheck(t)
}

// newTerraformCLI builds the provider, writes config (without a terraform block: the source address
// is added here) into a directory of its own and returns the CLI to run on it. env adds to, or
// overrides, the test process's environment, e.g. "KUBE_CONFIG_PATH=" to keep the provider from
// reading the test kubeconfig.
func newTerraformCLI(t *testing.T, config string, env ...string) *terraformCLI {
	t.Helper()
	terraform := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if terraform == "" {
		found, err := exec.LookPath("terraform")
		if err != nil {
			t.Fatal("terraform is not on PATH and TF_ACC_TERRAFORM_PATH is not set")
		}
		terraform = found
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	pluginDir := t.TempDir()
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(pluginDir, "terraform-provider-kubedaemon"), ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	dir := t.TempDir()
	rc := filepath.Join(dir, ".terraformrc")
	// dev_overrides serve the built binary without `terraform init`.
	writeFile(t, rc, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		"kubedaemon/kubedaemon", pluginDir))
	base := []string{"TF_CLI_CONFIG_FILE=" + rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_INPUT=0"}
	// exec keeps the last of duplicate variables, so env overrides the process's own.
	cli := &terraformCLI{t: t, terraform: terraform, dir: dir, env: append(append(os.Environ(), base...), env...)}
	cli.setConfig(config)
	return cli
}

// setConfig replaces the configuration, under the provider requirement.
func (c *terraformCLI) setConfig(config string) {
	writeFile(c.t, filepath.Join(c.dir, "main.tf"),
		"terraform {\n  required_providers {\n    kubedaemon = { source = \"kubedaemon/kubedaemon\" }\n  }\n}\n"+config)
}

// applyUntilItWaits starts `terraform apply` and returns once the provider logs that it waits for
// the rollout (it logs progress every 5 s), so that an interrupt lands inside the wait.
func (c *terraformCLI) applyUntilItWaits() *background {
	c.t.Helper()
	logFile := filepath.Join(c.t.TempDir(), "terraform.log")
	apply := c.start([]string{"TF_LOG=INFO", "TF_LOG_PATH=" + logFile}, "apply", "-auto-approve", "-no-color")
	waitFor(c.t, 2*time.Minute, "the provider to report that it waits for the rollout", func() (bool, error) {
		if apply.exited() {
			out, err := apply.wait()
			c.t.Fatalf("terraform apply exited before the wait (%v):\n%s", err, out)
		}
		log, err := os.ReadFile(logFile)
		return bytes.Contains(log, []byte("waiting for the DaemonSet to cover every node")), err
	})
	return apply
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// command prepares a terraform command in the configuration's directory.
func (c *terraformCLI) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, c.terraform, args...)
	cmd.Dir = c.dir
	cmd.Env = c.env
	return cmd
}

// background is a terraform command started without waiting for it.
type background struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
	err  error // set when done closes
}

// start starts terraform with args, and extraEnv added to the environment; the command is killed
// if it still runs when the test ends.
func (c *terraformCLI) start(extraEnv []string, args ...string) *background {
	c.t.Helper()
	cmd := c.command(c.t.Context(), args...)
	cmd.Env = append(cmd.Env, extraEnv...)
	b := &background{cmd: cmd, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = &b.out, &b.out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		b.err = cmd.Wait()
		close(b.done)
	}()
	return b
}

// exited reports whether the command has ended.
func (b *background) exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// interrupt sends the command os.Interrupt, as Ctrl-C in a terminal does.
func (b *background) interrupt() error {
	return b.cmd.Process.Signal(os.Interrupt)
}

// wait waits for the command to end and returns its error and its combined output.
func (b *background) wait() (string, error) {
	<-b.done
	return b.out.String(), b.err
}

// run runs terraform and returns its combined output.
func (c *terraformCLI) run(args ...string) (string, error) {
	c.t.Helper()
	out, err := c.command(c.t.Context(), args...).CombinedOutput()
	return string(out), err
}

// mustRun runs terraform and fails the test when it fails.
func (c *terraformCLI) mustRun(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("terraform %v: %v\n%s", args, err, out)
	}
	return out
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// rewrite replaces old with replacement in the file, which must hold old.
func rewrite(t *testing.T, name, old, replacement string) {
	t.Helper()
	content := readFile(t, name)
	if !strings.Contains(content, old) {
		t.Fatalf("%s does not hold %q", name, old)
	}
	writeFile(t, name, strings.Replace(content, old, replacement, 1))
}
