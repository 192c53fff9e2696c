// Package usage is what the benchmark's provider wrapper (cmd/bench/wrapper) and the benchmark
// share: where the wrapper finds the provider, where it writes what the provider used, and how.
package usage

import "time"

const (
	// WrappedProviderEnv names the real provider binary, which the wrapper runs.
	WrappedProviderEnv = "KUBEDAEMON_BENCH_PROVIDER"
	// DirEnv names the directory where the wrapper writes usage-<pid>.json, a Process.
	DirEnv = "KUBEDAEMON_BENCH_USAGE_DIR"
)

// Process is what the kernel says a provider process used.
type Process struct {
	PeakRSS int64         `json:"peak_rss"`
	CPU     time.Duration `json:"cpu"`
}
