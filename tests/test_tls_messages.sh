#!/usr/bin/env bash
# test_tls_messages.sh - each kind of bad certificate gets its own one-line
# message from `sigplay fetch`, naming the host and, where it applies, the
# certificate's validity window: expired, not yet valid, issued for another
# host, signed by an unknown CA (with and without --ca-file). A --ca-file
# that is not PEM is refused before any connection. The certificates are
# made here with openssl (a test CA signs them, with chosen dates); the
# server is `openssl s_server`.
set -u
W=$(mktemp -d "$SIGPLAY_TEST_TMP/tls-messages.XXXXXX")
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$W" || fail "no work directory"

cat >ca.cnf <<'EOF'
[ca]
default_ca = CA_default
[CA_default]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = p_any
copy_extensions = copy
unique_subject = no
[p_any]
commonName = supplied
EOF
touch index.txt
echo 01 >serial
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
    -subj /CN=sigplay-test-ca 2>/dev/null || fail "openssl: CA"
# name, common name, subjectAltName, validity start and end (UTC)
mk() {
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" \
        -addext "subjectAltName=$3" 2>/dev/null &&
        openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" \
            -out "$1.pem" -startdate "$4" -enddate "$5" -notext >/dev/null 2>&1 ||
        fail "openssl: certificate $1"
}
past=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
soon=$(date -u -d '+10 days' +%Y%m%d%H%M%SZ)
mk expired 127.0.0.1 IP:127.0.0.1 20200101000000Z 20200201000000Z
mk future 127.0.0.1 IP:127.0.0.1 20990101000000Z 20990201000000Z
mk wronghost wrong.example DNS:wrong.example "$past" "$soon"
mk good 127.0.0.1 IP:127.0.0.1 "$past" "$soon"
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 2 \
    -subj /CN=other-ca 2>/dev/null || fail "openssl: other CA"

# serve $1.pem; sets PORT
serve() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null
    : >srv.out
    openssl s_server -accept 127.0.0.1:0 -cert "$1.pem" -key "$1.key" -www >srv.out 2>&1 &
    SPID=$!
    PORT=
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' srv.out)
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    fail "openssl s_server did not start: $(cat srv.out)"
}

# run fetch against the server; expects exit 2 and one line matching $1
expect_line() {
    local want=$1
    shift
    "$SIGPLAY_BIN" fetch "https://127.0.0.1:$PORT/replay.json" --cache-dir "$W/c" "$@" \
        >/dev/null 2>err
    local rc=$?
    [ $rc -eq 2 ] || fail "exit $rc, not 2, for '$want': $(cat err)"
    [ "$(wc -l <err)" -eq 1 ] || fail "not one line for '$want': $(cat err)"
    grep -q -- "$want" err || fail "expected '$want', got: $(cat err)"
    echo "ok: $(cat err)"
}

serve expired
expect_line "TLS: the certificate of 127.0.0.1:$PORT expired on 2020-02-01 00:00:00 UTC (valid from 2020-01-01 00:00:00 UTC to 2020-02-01 00:00:00 UTC)" --ca-file ca.pem
grep -q -- "--ca-file FILE" err && fail "expired: still says to use --ca-file"

serve future
expect_line "TLS: the certificate of 127.0.0.1:$PORT is not valid before 2099-01-01 00:00:00 UTC (valid from 2099-01-01 00:00:00 UTC to 2099-02-01 00:00:00 UTC)" --ca-file ca.pem

serve wronghost
expect_line "TLS: the certificate is for wrong.example, not for 127.0.0.1:$PORT" --ca-file ca.pem

serve good
expect_line "TLS: the certificate of 127.0.0.1:$PORT is signed by an unknown authority (/CN=sigplay-test-ca); for a private CA use --ca-file FILE"
expect_line "signed by /CN=sigplay-test-ca, which neither the system's CAs nor --ca-file other.pem trust" --ca-file other.pem
# trusted: the handshake passes (s_server -www answers with its status
# page, which is not a manifest: a different error, not a TLS one)
"$SIGPLAY_BIN" fetch "https://127.0.0.1:$PORT/replay.json" --cache-dir "$W/c" --ca-file ca.pem \
    >/dev/null 2>err
grep -q "TLS" err && fail "trusted certificate refused: $(cat err)"

# a --ca-file that is not PEM: refused at once, one line naming it
openssl x509 -in ca.pem -outform der -out ca.der 2>/dev/null || fail "openssl: DER"
for bad in ca.der ca.cnf; do
    "$SIGPLAY_BIN" fetch "https://127.0.0.1:$PORT/replay.json" --cache-dir "$W/c" \
        --ca-file "$bad" >/dev/null 2>err
    rc=$?
    [ $rc -eq 2 ] || fail "--ca-file $bad: exit $rc: $(cat err)"
    [ "$(wc -l <err)" -eq 1 ] && grep -q "$bad: not a PEM CA file" err ||
        fail "--ca-file $bad: $(cat err)"
done
echo "ok"
