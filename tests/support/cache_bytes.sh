# cache_bytes.sh - what a download cache folder holds, for tests that stop
# a download and check that nothing fetched is lost. Source it.

# cache_held DIR: bytes of media the cache's sidecars say it holds (what a
# next run resumes from: bytes on disk that no sidecar records do not count)
cache_held() {
    local n=0 f b
    for f in "$1"/*.json; do
        [ -f "$f" ] || continue
        b=$(jq '[.ranges[]? | .[1] - .[0]] | add // 0' "$f" 2>/dev/null) || b=0
        n=$((n + ${b:-0}))
    done
    echo $n
}

# cache_on_disk DIR: bytes of media on disk in the cache's partial and
# complete files
cache_on_disk() {
    local n=0 f
    for f in "$1"/*.part "$1"/*.data; do
        [ -f "$f" ] && n=$((n + $(stat -c %s "$f")))
    done
    echo $n
}
