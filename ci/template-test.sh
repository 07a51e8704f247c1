#!/usr/bin/env bash
# Runs the `run:` scripts of ci/templates/github-actions.yml as a user's CI would, outside
# GitHub: the suite installed from a git clone of this commit at the template's pinned tag,
# the reference shim (`e2ee-conform shim`) as the user's shim, both shards, with and without an
# expectations file. Fails unless every shard passes, the shards together run the whole plan,
# each writes its reports, and no shard reports a STALE or UNUSED entry it could not judge.
#
# Leaves the installed binary in $E2EE_TEMPLATE_ROOT (default: a temporary folder) for the
# caller (ci/test.sh runs the main job with it, from another directory).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
template="$repo/ci/templates/github-actions.yml"
work=$(mktemp -d)
root="${E2EE_TEMPLATE_ROOT:-$work/home}"
fail() { echo "template test: $*" >&2; exit 1; }

# The run: scripts, one file per step, named after the step (`- name:`).
mkdir -p "$work/steps"
awk -v dir="$work/steps" '
  /^ *- name: / { sub(/^ *- name: /, ""); name = $0; next }
  inblock && (/^ *$/ || match($0, /^ */) && RLENGTH > base) {
    line = $0; sub("^" pad, "", line); print line > file; next
  }
  { inblock = 0 }
  /^ *run: \|/ {
    match($0, /^ */); base = RLENGTH; pad = sprintf("%*s", base + 2, "")
    n++; file = sprintf("%s/%02d.sh", dir, n); print "# " name > file; inblock = 1; next
  }
  /^ *run: / {
    n++; file = sprintf("%s/%02d.sh", dir, n); print "# " name > file
    line = $0; sub(/^ *run: /, "", line); print line > file
  }
' "$template"
steps=("$work"/steps/*.sh)
[ "${#steps[@]}" -ge 3 ] || fail "found ${#steps[@]} run: steps in the template"

# Every variable the scripts read is one the template's env: block declares.
for var in E2EE_CONFORM_GIT E2EE_CONFORM_TAG SHIM PROFILES SHARD SHARDS; do
  grep -q "^      $var: " "$template" || fail "the template's env: has no $var"
done
tag=$(sed -n 's/^      E2EE_CONFORM_TAG: *//p' "$template")

# The suite as a user fetches it: this commit, tagged as the template pins it.
git clone -q "$repo" "$work/suite"
git -C "$work/suite" tag -f "$tag" >/dev/null

# A user's repository: the shim is the reference shim of the installed suite.
user="$work/user"
mkdir -p "$user"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
# A target folder of its own, as a user's machine has: one shared with this checkout would
# let cargo take one checkout's build for the other's (it judges freshness by file times, and
# `env!("CARGO_MANIFEST_DIR")` would then name the wrong, possibly deleted, checkout).
export CARGO_TARGET_DIR="$repo/target/template-install"
export HOME="$root"
export E2EE_CONFORM_GIT="file://$work/suite" E2EE_CONFORM_TAG="$tag"
export SHIM="$root/.e2ee-conform/bin/e2ee-conform shim" PROFILES=signal-v3 SHARDS=2

# One CI job: every run: step in order, as GitHub runs them (bash -eo pipefail), except the
# user's own build step. `$GITHUB_PATH` lines join PATH for the steps after.
job() {
  export SHARD="$1" GITHUB_PATH="$work/github_path"
  : >"$GITHUB_PATH"
  for step in "${steps[@]}"; do
    name=$(head -1 "$step")
    [ "$name" = "# Build your shim" ] && continue
    echo "== shard $SHARD: ${name#\# }"
    (cd "$user" && bash --noprofile --norc -eo pipefail "$step") || return 1
    while read -r dir; do PATH="$dir:$PATH"; done <"$GITHUB_PATH"
  done
}

log="$work/log"
job 1 >"$log.plain" 2>&1 || { cat "$log.plain"; fail "shard 1 without an expectations file failed"; }
[ -s "$user/e2ee-conform-1.xml" ] && [ -s "$user/e2ee-conform-1.json" ] || fail "shard 1 wrote no reports"

# With an expectations file: an error map for one test, which only one shard runs. The shard
# that runs it may call it unused (true: the reference shim needs no map); neither may call it
# stale, and the other shard may not judge it at all.
one=$(e2ee-conform list --impl "shim:$SHIM" --profile signal-v3 --mode kat | sed -n '2p' | tr -d ' ')
[ -n "$one" ] || fail "no test listed"
printf '{"%s": {"reason": "template test", "errorMap": {"invalid_key": "auth_failure"}}}\n' "$one" \
  >"$user/e2ee-expectations.json"
rm -f "$user"/e2ee-conform-*.{xml,json}
unused=0
for shard in 1 2; do
  job "$shard" >"$log.$shard" 2>&1 || { cat "$log.$shard"; fail "shard $shard with expectations failed"; }
  [ -s "$user/e2ee-conform-$shard.xml" ] && [ -s "$user/e2ee-conform-$shard.json" ] \
    || fail "shard $shard wrote no reports"
  if grep -q "STALE" "$log.$shard"; then grep STALE "$log.$shard"; fail "shard $shard: false STALE"; fi
  unused=$((unused + $(grep -c "UNUSED error map" "$log.$shard" || true)))
done
[ "$unused" -eq 1 ] || fail "the error map was reported unused $unused times (want 1: by its shard)"

# The shards together ran every test of the plan, once.
total=$(e2ee-conform list --impl "shim:$SHIM" --profile signal-v3 | sed -n 's/.* — \([0-9]*\) tests$/\1/p')
ran=0
for shard in 1 2; do
  n=$(grep -c '"status": ' "$user/e2ee-conform-$shard.json" || true)
  ran=$((ran + n))
  echo "shard $shard: $n results"
done
[ "$ran" -eq "$total" ] || fail "the shards ran $ran tests, the plan has $total"
echo "template test: passed (2 shards, $total tests, with and without an expectations file)"
rm -rf "$work"
