# Performance benchmark (issue 7): `make bench` starts a kwok cluster of its own (CLUSTER_NAME=bench)
# for each size, measures, prints the tables and records them in BENCHMARKS.md.
BENCH_NODES ?= 100 1000 5000
BENCH_ROLLOUTS ?= 10
BENCH_FLAGS ?=

.PHONY: bench
bench: ## benchmark at BENCH_NODES nodes (default "100 1000 5000"; about 35 minutes on 2 cores) into BENCHMARKS.md
	go run ./cmd/bench -nodes "$(BENCH_NODES)" -rollouts $(BENCH_ROLLOUTS) -cluster bench \
		-kubeconfig $(CURDIR)/.cluster/bench.kubeconfig -out $(CURDIR)/BENCHMARKS.md $(BENCH_FLAGS)
