#!/usr/bin/env bash
# Checks the release pipeline without publishing: `goreleaser check` on .goreleaser.yml, then a
# snapshot release into dist/, signed with a throwaway GPG key, whose artifacts must be exactly what
# the Terraform and OpenTofu registries expect, signature included.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
goreleaser=$(scripts/pinned-tool.sh goreleaser)
tmp=$(mktemp -d)
trap 'gpgconf --homedir "$tmp/gnupg" --kill all >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

# The release workflow signs with the project's key; a key made here for this run proves the same
# signing step, which a goreleaser bug once broke (see tools/release/go.mod).
export GNUPGHOME="$tmp/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "kubedaemon release-check <release-check@example.invalid>" ed25519 sign 1d
GPG_FINGERPRINT=$(gpg --list-secret-keys --with-colons | awk -F: '$1 == "fpr" { print $10; exit }')
export GPG_FINGERPRINT

"$goreleaser" check
"$goreleaser" release --snapshot --clean --skip=publish

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
# The manifest is attached to the release only when publishing; the snapshot lists it in the sums,
# which must then hold the checksum of terraform-registry-manifest.json.
manifest_sum=$(sha256sum terraform-registry-manifest.json | cut -d' ' -f1)
grep -qx "${manifest_sum}  ${project}_${version}_manifest.json" "${prefix}_SHA256SUMS" ||
  fail "the SHA256SUMS does not list terraform-registry-manifest.json as ${project}_${version}_manifest.json"
(cd dist && grep -v '_manifest.json$' "${project}_${version}_SHA256SUMS" | sha256sum --check --quiet) ||
  fail "SHA256SUMS does not match the archives"
gpg --quiet --verify "${prefix}_SHA256SUMS.sig" "${prefix}_SHA256SUMS" 2>/dev/null ||
  fail "${prefix}_SHA256SUMS.sig is not a valid signature of the SHA256SUMS"

# One binary, checked for what the registries' users rely on: static, and stamped with the version.
unzip -q -o "${prefix}_linux_amd64.zip" -d "$tmp/linux_amd64"
binary="$tmp/linux_amd64/${project}_v${version}"
settings=$(go version -m "$binary")
grep -q "CGO_ENABLED=0" <<<"$settings" || fail "the linux_amd64 binary was built with cgo"
grep -q -- "-trimpath=true" <<<"$settings" || fail "the linux_amd64 binary was built without -trimpath"
# Go does not record -ldflags in a -trimpath build, so the version is looked for in the binary itself.
grep -aq "${version}" "$binary" || fail "the linux_amd64 binary does not carry version ${version}"

[ "$failed" = 0 ] || exit 1
echo "release-check: $(ls "$prefix"_*.zip | wc -l) archives, the SHA256SUMS, its signature and the manifest for ${version} are as the registries expect"
