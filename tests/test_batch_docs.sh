#!/usr/bin/env bash
# test_batch_docs.sh - the batch recipes of docs/batch.md stay true: the
# Kubernetes Indexed Job parses with Debian's PyYAML and names the image,
# JOB_COMPLETION_INDEX and the slice of the list it checks; its slicing
# shell gives every SOURCE of a list to exactly one pod; the Containerfile
# builds FROM debian:bookworm, headless (-DSIGPLAY_UI=OFF), installing only
# packages that scripts/deps.sh lists by name.
set -u
S=$SIGPLAY_SOURCE_DIR
W=$(mktemp -d "${SIGPLAY_TEST_TMP:-/tmp}/batch_docs.XXXXXX")
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
PY=/usr/bin/python3
JOB=$S/docs/batch/verify-job.yaml CF=$S/docs/batch/Containerfile
"$PY" -c 'import yaml' 2>/dev/null || fail "Debian's python3-yaml is missing (scripts/deps.sh installs it)"

# ---- the Job ---------------------------------------------------------------
"$PY" - "$JOB" "$W/slice.sh" <<'PY' || fail "verify-job.yaml (above)"
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1], encoding="utf-8")))
assert len(docs) == 1, "one document, got %d" % len(docs)
job = docs[0]
assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job", "not a batch/v1 Job"
spec = job["spec"]
assert spec["completionMode"] == "Indexed", "not an Indexed Job"
pod = spec["template"]["spec"]
(c,) = pod["containers"]
assert c["image"].endswith("/sigplay:1"), "image: %r" % c["image"]
env = {e["name"]: e["value"] for e in c.get("env", [])}
assert int(env["PARTS"]) == spec["completions"], "PARTS %s != completions %s" % (
    env["PARTS"], spec["completions"])
script = "\n".join(c["command"][2:] + c["args"])
assert "$JOB_COMPLETION_INDEX" in script, "the script does not use JOB_COMPLETION_INDEX"
assert "sigplay verify --list" in script and "--jsonl" in script, "no verify --list --jsonl"
# the list comes from a ConfigMap, mounted where the script reads it
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
vols = {v["name"]: v for v in pod["volumes"]}
lst = [n for n, v in vols.items() if "configMap" in v]
assert lst, "no ConfigMap volume with the list"
assert mounts[lst[0]] + "/list.txt" in script, "the script does not read the mounted list"
# the script, to run against a local list
open(sys.argv[2], "w").write(script.replace(mounts[lst[0]] + "/list.txt", "$LIST")
                             .replace("/cache/slice.txt", "$SLICE"))
PY
echo "ok: the Job parses and names the image, JOB_COMPLETION_INDEX and the list"

# Its slicing, with a stub sigplay: every SOURCE of a 10-line list (with a
# comment and a blank line) goes to exactly one of 8 pods, none to two.
mkdir -p "$W/bin"
printf '#!/bin/sh\n[ "$2" = --list ] && cat "$3" >>"$OUT"\nexit 2\n' >"$W/bin/sigplay"
chmod +x "$W/bin/sigplay"
{ echo "# today"; for i in $(seq 1 10); do echo "http://h/c$i/replay.json"; done; echo; } >"$W/list"
: >"$W/got"
for k in $(seq 0 7); do
    PATH="$W/bin:$PATH" LIST="$W/list" SLICE="$W/slice$k" OUT="$W/got" JOB_COMPLETION_INDEX=$k \
        PARTS=8 sh "$W/slice.sh" || fail "pod $k: the script exits $? (findings are not failures)"
done
cmp -s <(sort "$W/got") <(grep '^http' "$W/list" | sort) \
    || fail "the slices do not cover the list once: $(sort "$W/got" | uniq -c | tr '\n' ' ')"
echo "ok: the slices cover every SOURCE once"

# ---- the Containerfile ---------------------------------------------------------
grep -qx 'FROM debian:bookworm' "$CF" || fail "Containerfile: not FROM debian:bookworm"
grep -q -- '-DSIGPLAY_UI=OFF' "$CF" || fail "Containerfile: not the headless build"
# the package names of deps.sh's PACKAGES=( ... ), comments dropped
deps=$(sed -n '/^PACKAGES=(/,/^)/p' "$S/scripts/deps.sh" | sed 's/#.*//' | tr ' ' '\n' |
    grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
# the names after "apt-get install ... " in the Containerfile (continued lines joined)
pkgs=$(sed ':a;/\\$/{N;s/\\\n//;ba}' "$CF" | grep -o 'apt-get install[^&]*' |
    sed 's/apt-get install//' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
[ "$(echo "$pkgs" | wc -w)" -ge 10 ] || fail "Containerfile: no package list found: $pkgs"
missing=$(comm -23 <(echo "$pkgs") <(echo "$deps"))
[ -z "$missing" ] || fail "Containerfile installs packages scripts/deps.sh does not list: $missing"
for p in libavformat-dev libwebsockets-dev libcjson-dev libfreetype-dev libfontconfig-dev; do
    echo "$pkgs" | grep -qx "$p" || fail "Containerfile does not install $p"
done
echo "$pkgs" | grep -q sdl && fail "Containerfile installs SDL: the batch binary has none"
echo "ok: the Containerfile installs, by name, packages deps.sh lists, and no SDL"
echo ok
