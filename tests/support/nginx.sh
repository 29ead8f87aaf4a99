# nginx.sh - sourced by shell tests and benchmarks: serve a directory with
# Debian's nginx on 127.0.0.1 only, as the current user, from a private
# prefix (generated config, no daemon), on a free port.
#
#   nginx_start ROOT WORKDIR [CERT KEY]   sets NGINX_PORT (and NGINX_TLS_PORT
#                                         when a certificate is given)
#   nginx_stop                            stops it (also on EXIT if you trap it)
#
# NGINX_EXTRA_HTTP and NGINX_EXTRA_SERVER, when set, are put into the http
# block and the plain server block (e.g. a limit_req zone and a location
# that hands pages out slowly).
# NGINX_ACCESS_LOG=FILE (optional) logs one line a request to FILE:
# "<connection serial> <status>", to count the connections a client used.

nginx_start() {
    local root=$1 work=$2 cert=${3:-} key=${4:-}
    mkdir -p "$work/tmp"
    local tries=0
    while [ $tries -lt 20 ]; do
        tries=$((tries + 1))
        NGINX_PORT=$((20000 + RANDOM % 40000))
        NGINX_TLS_PORT=$((NGINX_PORT + 1))
        local tls=""
        if [ -n "$cert" ]; then
            tls="server { listen 127.0.0.1:$NGINX_TLS_PORT ssl; ssl_certificate $cert;
                          ssl_certificate_key $key; root $root; }"
        fi
        local alog=off
        [ -n "${NGINX_ACCESS_LOG:-}" ] && alog="$NGINX_ACCESS_LOG sp"
        cat >"$work/nginx.conf" <<CONF
worker_processes 1;
user $(id -un) $(id -gn);
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 256; }
http {
    log_format sp '\$connection \$status';
    access_log $alog;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    types { application/json json; video/mp4 mp4; image/png png; image/jpeg jpg; }
    default_type application/octet-stream;
    sendfile on;
    ${NGINX_EXTRA_HTTP:-}
    server { listen 127.0.0.1:$NGINX_PORT; root $root; ${NGINX_EXTRA_SERVER:-} }
    $tls
}
CONF
        nginx -p "$work" -c "$work/nginx.conf" -e "$work/error.log" -g 'daemon off;' \
            2>>"$work/error.log" &
        NGINX_PID=$!
        local i=0
        while [ $i -lt 50 ]; do
            if ! kill -0 "$NGINX_PID" 2>/dev/null; then
                break # could not bind: try another port
            fi
            if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NGINX_PORT/"; then
                return 0
            fi
            sleep 0.1
            i=$((i + 1))
        done
        kill "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
    done
    echo "nginx: could not start (see $work/error.log)" >&2
    return 1
}

nginx_stop() {
    if [ -n "${NGINX_PID:-}" ]; then
        kill "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
        NGINX_PID=
    fi
}
