#!/usr/bin/env bash
# The project's own checks, run by .ci/run after `cargo test --workspace`: Wycheproof counts,
# the hax contract type-check, the vectors against the spec, the CI template as a user runs it,
# and the main job with the suite installed as a user installs it, from another directory.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

echo "== Wycheproof counts per file"
cargo test -q -p e2ee-spec --test crypto_wycheproof -- --nocapture 2>&1 | grep -E "passed|not applicable" || true

echo "== single-bug score (the suite against single-bug variants of the reference implementation)"
cargo test -q -p e2ee-harness --test mutants -- --nocapture 2>&1 | sed -n '/^single-bug score/,/correct: strict/p'

echo "== hax contracts type-check (RUSTFLAGS=--cfg hax, separate target dir)"
RUSTC_BOOTSTRAP=1 RUSTFLAGS="--cfg hax" CARGO_TARGET_DIR=target/hax cargo check -p e2ee-spec

echo "== vectors against the spec"
cargo run --release -q -p e2ee-harness -- vectors check | tail -1

echo "== the CI template's scripts (installs the suite from a clone of this commit)"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
E2EE_TEMPLATE_ROOT="$root/home" ci/template-test.sh

echo "== conformance run against the bundled implementations (installed binary, no checkout)"
# The binary was built from a clone that the template test has removed: the corpus, the
# expectations and the libsignal shim come from the binary (the shim's packages are installed
# into a cache folder of its own).
mkdir -p "$root/elsewhere"
cd "$root/elsewhere"
XDG_CACHE_HOME="$root/cache" "$root/home/.e2ee-conform/bin/e2ee-conform" run \
  --junit "$repo/target/e2ee-conform.junit.xml" --report-json "$repo/target/e2ee-conform.json"
