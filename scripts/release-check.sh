#!/usr/bin/env bash
# Checks the release pipeline without publishing: `goreleaser check` on .goreleaser.yml, then a
# snapshot release (no signature, no upload) into dist/, whose artifacts must be exactly what the
# Terraform and OpenTofu registries expect.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
goreleaser=$(scripts/pinned-tool.sh goreleaser)

"$goreleaser" check
"$goreleaser" release --snapshot --clean --skip=sign,publish

project=terraform-provider-kubedaemon
version=$(jq -r .version dist/metadata.json)
prefix="dist/${project}_${version}"
failed=0
fail() { echo "release-check: $*" >&2; failed=1; }

for os in linux darwin windows freebsd; do
  for arch in amd64 arm64; do
    archive="${prefix}_${os}_${arch}.zip"
    binary="${project}_v${version}"
    [ "$os" = windows ] && binary+=.exe
    if [ ! -f "$archive" ]; then
      fail "missing $archive"
      continue
    fi
    # The registries install the binary found at the archive's root under exactly this name.
    unzip -Z1 "$archive" | grep -qx "$binary" || fail "$archive does not hold $binary"
    grep -q " ${archive#dist/}\$" "${prefix}_SHA256SUMS" 2>/dev/null || fail "${archive#dist/} is not in the SHA256SUMS"
  done
done
[ -f "${prefix}_SHA256SUMS" ] || fail "missing ${prefix}_SHA256SUMS"
if [ -f "${prefix}_manifest.json" ]; then
  cmp -s terraform-registry-manifest.json "${prefix}_manifest.json" || fail "${prefix}_manifest.json differs from terraform-registry-manifest.json"
  grep -q " ${project}_${version}_manifest.json\$" "${prefix}_SHA256SUMS" || fail "the manifest is not in the SHA256SUMS"
else
  fail "missing ${prefix}_manifest.json"
fi
(cd dist && sha256sum --check --quiet "${project}_${version}_SHA256SUMS") || fail "SHA256SUMS does not match the files"

# One binary, checked for the build settings the registries' users rely on: static, trimmed paths, version stamped.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unzip -q -o "${prefix}_linux_amd64.zip" -d "$tmp"
settings=$(go version -m "$tmp/${project}_v${version}")
grep -q "CGO_ENABLED=0" <<<"$settings" || fail "the linux_amd64 binary was built with cgo"
grep -q -- "-trimpath=true" <<<"$settings" || fail "the linux_amd64 binary was built without -trimpath"
grep -q -- "-X main.version=${version}" <<<"$settings" || fail "the linux_amd64 binary does not carry version ${version}"

[ "$failed" = 0 ] || exit 1
echo "release-check: $(ls "$prefix"_*.zip | wc -l) archives, SHA256SUMS and manifest for ${version} are as the registries expect"
