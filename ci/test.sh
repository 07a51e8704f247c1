#!/usr/bin/env bash
# The project's own checks, run by .ci/run after `cargo test --workspace`: Wycheproof counts,
# the hax contract type-check, the vectors against the spec, and the main job.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Wycheproof counts per file"
cargo test -q -p e2ee-spec --test crypto_wycheproof -- --nocapture 2>&1 | grep -E "passed|not applicable" || true

echo "== hax contracts type-check (RUSTFLAGS=--cfg hax, separate target dir)"
RUSTC_BOOTSTRAP=1 RUSTFLAGS="--cfg hax" CARGO_TARGET_DIR=target/hax cargo check -p e2ee-spec

echo "== vectors against the spec"
cargo run --release -q -p e2ee-harness -- vectors check

echo "== conformance run against the bundled implementations"
cargo run --release -q -p e2ee-harness -- run \
  --junit target/e2ee-conform.junit.xml --report-json target/e2ee-conform.json
