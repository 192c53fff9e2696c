// Command wrapper stands in for the provider when the benchmark runs Terraform: it runs the real
// provider (usage.WrappedProviderEnv) as its child with its own arguments, standard streams and
// environment, so that Terraform's plugin handshake passes through untouched, and records the
// child's peak resident set size and CPU time when it exits, where sampling /proc would miss the
// peak between samples. It is a program of its own, with none of the provider's packages, so that
// starting it adds little to each of the provider's starts and its memory, which Linux counts in
// the child's peak until the child execs, stays small.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/kubedaemon/terraform-provider-kubedaemon/cmd/bench/usage"
)

func main() {
	os.Exit(run())
}

func run() int {
	cmd := exec.Command(os.Getenv(usage.WrappedProviderEnv), os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "bench provider wrapper:", err)
		return 1
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	_ = cmd.Wait()
	if rusage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		data, err := json.Marshal(usage.Process{PeakRSS: rusage.Maxrss * 1024, CPU: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()})
		if err == nil {
			err = os.WriteFile(filepath.Join(os.Getenv(usage.DirEnv), fmt.Sprintf("usage-%d.json", cmd.Process.Pid)), data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench provider wrapper:", err)
		}
	}
	return cmd.ProcessState.ExitCode()
}
