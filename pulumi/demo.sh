#!/usr/bin/env bash
# Runs examples/seed with Pulumi through the bridged provider built here, against the cluster of
# KUBE_CONFIG_PATH (by default the local cluster of `make cluster-up`): `pulumi up` (which returns
# once every counted node runs a Ready pod), a preview that must show no changes, then `pulumi destroy`.
# The state lives in a temporary local backend.
#
# Needs the Pulumi CLI and its YAML language plugin. When `pulumi` or `pulumi-language-yaml` is not
# on PATH, both are built from the Go module proxy into ~/.cache/kubedaemon (a few minutes, once).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kubeconfig=${KUBE_CONFIG_PATH:-$here/../.cluster/kubeconfig}
[ -f "$kubeconfig" ] || { echo "no kubeconfig at $kubeconfig: run 'make cluster-up' or set KUBE_CONFIG_PATH" >&2; exit 1; }

# The CLI at the version of github.com/pulumi/pulumi/pkg/v3 in go.mod, the YAML plugin at the version
# of github.com/pulumi/pulumi-yaml the bridge depends on.
cli_version=$(cd "$here" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
yaml_version=$(cd "$here" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi-yaml)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! command -v pulumi >/dev/null || ! command -v pulumi-language-yaml >/dev/null; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/kubedaemon/pulumi-$cli_version-yaml-$yaml_version
	if [ ! -x "$cache/pulumi" ] || [ ! -x "$cache/pulumi-language-yaml" ]; then
		echo "building the Pulumi CLI $cli_version and pulumi-language-yaml $yaml_version into $cache"
		# `go install pkg@version` refuses the CLI's module because its go.mod has replace
		# directives; a scratch module repeats the one that matters outside Pulumi's repository.
		mkdir -p "$work/cli" "$cache"
		cat >"$work/cli/go.mod" <<-MOD
			module clibuild

			go 1.26.0

			replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
		MOD
		(cd "$work/cli" && GOFLAGS= go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$cli_version" \
			"github.com/pulumi/pulumi/sdk/v3@$cli_version" &&
			GOFLAGS= go build -trimpath -ldflags "-s -w" -o "$cache/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
		GOFLAGS= GOBIN="$cache" go install -trimpath -ldflags "-s -w" "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$yaml_version"
	fi
	export PATH="$cache:$PATH"
fi

make -C "$here" provider >/dev/null
export PATH="$here/bin:$PATH"
export PULUMI_HOME="$work/home" PULUMI_BACKEND_URL="file://$work/state" PULUMI_CONFIG_PASSPHRASE=""
export PULUMI_SKIP_UPDATE_CHECK=1 PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
mkdir -p "$work/state"
cp "$here/examples/seed/Pulumi.yaml" "$work/"
cd "$work"

pulumi stack init demo --non-interactive
pulumi config set kubedaemon:configPath "$kubeconfig"
status=0
pulumi up --yes --skip-preview --non-interactive || status=$?
if [ "$status" -eq 0 ]; then
	pulumi preview --expect-no-changes --non-interactive || status=$?
fi
pulumi destroy --yes --non-interactive || status=$?
exit "$status"
