#!/bin/sh
# bench/run.sh BINARY: the benchmark harness behind `make bench`.
#
# On this machine and in one run: starts `BINARY serve` on a free loopback
# port and nginx on another, serving static files of exactly the byte size
# of each xiaoan response under test; then, for each row below, runs wrk
# against the nginx peer and then against xiaoan, and prints requests/s,
# p99 latency, xiaoan's ratio to its nginx peer and whether it meets the
# row's goal. A machine-readable copy goes to ${BENCH_OUT:-/tmp/xiaoan-bench.tsv}.
#
# Exit 0 whether or not the goals are met (it is a measurement, not a test);
# non-zero when a server does not start or dies, or wrk fails or counts
# error responses. docs/benchmarks.md tells more.
#
# Environment:
#   BENCH_SECONDS      seconds per measured wrk run (default 10)
#   BENCH_WARMUP       seconds of unmeasured wrk before each run (default 2; 0: none)
#   BENCH_ROUNDS       rounds of all rows; medians are reported (default 1)
#   BENCH_THREADS      wrk threads (default 2)
#   BENCH_CONNECTIONS  wrk connections (default 64)
#   BENCH_OUT          where the TSV copy goes (default /tmp/xiaoan-bench.tsv)
set -eu

# --- The rows: one line each, whitespace-separated -------------------------
#   name    xiaoan path    nginx peer    goal (% of the peer's requests/s)
# The nginx peer is a static file of the same byte size as a response body:
# a path (starting with /) is fetched from xiaoan once and its body copied;
# a number is a size in bytes. Later issues add their rows here.
ROWS='
healthz   /healthz   /healthz   70
home      /          /          40
'
# ---------------------------------------------------------------------------

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
ROUNDS=${BENCH_ROUNDS:-1}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNECTIONS:-64}
OUT=${BENCH_OUT:-/tmp/xiaoan-bench.tsv}

die() { echo "bench: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: sh bench/run.sh BINARY"
for v in "$SECONDS_PER_RUN" "$WARMUP" "$ROUNDS" "$THREADS" "$CONNS"; do
  case $v in '' | *[!0-9]*) die "BENCH_* settings must be whole numbers, not '$v'" ;; esac
done
[ "$ROUNDS" -ge 1 ] && [ "$SECONDS_PER_RUN" -ge 1 ] || die "BENCH_ROUNDS and BENCH_SECONDS must be at least 1"
case $1 in /*) bin=$1 ;; *) bin=$(pwd)/$1 ;; esac
[ -x "$bin" ] || die "$bin is not an executable"
for tool in wrk nginx curl awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (sh tools/deps.sh installs it)"
done
nginx_bin=$(command -v nginx)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xiaoan-bench.XXXXXX")
xpid=""
npid=""

# Sends SIGTERM to a process we started and waits for it, SIGKILL after 30 s.
stop() {
  [ -n "$1" ] || return 0
  kill -TERM "$1" 2>/dev/null || return 0
  i=0
  while kill -0 "$1" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 300 ]; then kill -KILL "$1" 2>/dev/null || :; break; fi
    sleep 0.1
  done
  wait "$1" 2>/dev/null || :
}
cleanup() {
  rc=$?
  trap - EXIT INT TERM
  stop "$npid"
  stop "$xpid"
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Polls URL until it answers 2xx, for at most 10 s; fails early if PID died.
wait_http() {
  i=0
  until curl -sf -o /dev/null --max-time 1 "$1"; do
    kill -0 "$2" 2>/dev/null || return 1
    i=$((i + 1))
    [ "$i" -lt 100 ] || return 1
    sleep 0.1
  done
}

# --- xiaoan ----------------------------------------------------------------
"$bin" init --data "$tmp/data" >"$tmp/init.log" 2>&1 ||
  { cat "$tmp/init.log" >&2; die "xiaoan init failed"; }
"$bin" serve --data "$tmp/data" --listen 127.0.0.1:0 --access-log off \
  >"$tmp/xiaoan.out" 2>"$tmp/xiaoan.err" &
xpid=$!
xaddr=""
i=0
while [ -z "$xaddr" ]; do
  xaddr=$(sed -n 's|.*serving on http://\([^ /]*\).*|\1|p' "$tmp/xiaoan.out" | head -n 1)
  [ -n "$xaddr" ] && break
  if ! kill -0 "$xpid" 2>/dev/null || [ "$i" -ge 100 ]; then
    cat "$tmp/xiaoan.out" "$tmp/xiaoan.err" >&2
    die "xiaoan serve did not start"
  fi
  i=$((i + 1))
  sleep 0.1
done
xurl="http://$xaddr"
wait_http "$xurl/healthz" "$xpid" ||
  { cat "$tmp/xiaoan.err" >&2; die "xiaoan did not answer $xurl/healthz"; }
xloops=$(sed -n 's/.*(\([0-9]*\) loops).*/\1/p' "$tmp/xiaoan.err" | head -n 1)

# --- the nginx root: one static file per row ---------------------------------
mkdir -p "$tmp/www" "$tmp/nginx-temp"
echo "$ROWS" | while read -r name path peer goal; do
  [ -n "$name" ] || continue
  case $name in \#*) continue ;; esac
  case $peer in
    /*)
      ctype=$(curl -sf -o "$tmp/www/$name" -w '%{content_type}' "$xurl$peer") ||
        die "GET $xurl$peer failed: it cannot size the nginx peer of row $name"
      ;;
    *[!0-9]* | '') die "row $name: the nginx peer must be a path or a byte count" ;;
    *)
      ctype=application/octet-stream
      head -c "$peer" /dev/zero | tr '\0' x >"$tmp/www/$name"
      ;;
  esac
  printf '%s\n' "${ctype%%;*}" >"$tmp/www/$name.type"
  curl -sf -o /dev/null "$xurl$path" || die "GET $xurl$path failed (row $name)"
done

# --- nginx -----------------------------------------------------------------
# The types each file is served with: the Content-Type xiaoan gave its body.
types=""
for f in "$tmp/www"/*.type; do
  n=$(basename "$f" .type)
  types="$types        location = /$n { default_type $(cat "$f"); }
"
  rm -f "$f"
done

nginx_conf() {
  user=""
  [ "$(id -u)" != 0 ] || user="user root;"
  extra_temp=""
  nginx -V 2>&1 | grep -q -- --without-http_uwsgi_module ||
    extra_temp="$extra_temp uwsgi_temp_path $tmp/nginx-temp/uwsgi;"
  nginx -V 2>&1 | grep -q -- --without-http_scgi_module ||
    extra_temp="$extra_temp scgi_temp_path $tmp/nginx-temp/scgi;"
  cat <<EOF
# Written by bench/run.sh: nginx tuned as a fast static-file server, the
# yardstick xiaoan is compared against.
$user
worker_processes auto;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    gzip off;
    etag off;
    keepalive_timeout 75s;
    keepalive_requests 100000000;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_errors on;
    client_body_temp_path $tmp/nginx-temp/body;
    proxy_temp_path $tmp/nginx-temp/proxy;
    fastcgi_temp_path $tmp/nginx-temp/fastcgi;
   $extra_temp
    server {
        listen 127.0.0.1:$1;
        root $tmp/www;
$types    }
}
EOF
}

# A free port: ask for one near a random start, retry when it is taken.
first=$(echo "$ROWS" | awk 'NF && $1 !~ /^#/ { print $1; exit }')
port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ))
tries=0
while :; do
  nginx_conf "$port" >"$tmp/nginx.conf"
  "$nginx_bin" -c "$tmp/nginx.conf" -p "$tmp" -e "$tmp/nginx-error.log" \
    >"$tmp/nginx.out" 2>&1 &
  npid=$!
  nurl="http://127.0.0.1:$port"
  if wait_http "$nurl/$first" "$npid"; then
    break
  fi
  stop "$npid"
  npid=""
  tries=$((tries + 1))
  if [ "$tries" -ge 10 ] || ! grep -q 'in use' "$tmp/nginx-error.log" "$tmp/nginx.out" 2>/dev/null; then
    cat "$tmp/nginx.out" "$tmp/nginx-error.log" >&2 2>/dev/null || :
    die "nginx did not start (config: $tmp/nginx.conf)"
  fi
  : >"$tmp/nginx-error.log"
  port=$((port + 1))
done

# --- wrk -------------------------------------------------------------------
# run_wrk URL PID OUTFILE: a warm-up, then the measured run. Fails when wrk
# fails, the server died, or wrk counted non-2xx/3xx responses.
run_wrk() {
  if [ "$WARMUP" -gt 0 ]; then
    wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "$1" >/dev/null 2>&1 ||
      die "wrk warm-up against $1 failed"
  fi
  wrk -t"$THREADS" -c"$CONNS" -d"${SECONDS_PER_RUN}s" --latency "$1" >"$3" 2>&1 ||
    { cat "$3" >&2; die "wrk against $1 failed"; }
  kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "the server behind $1 died during the run"; }
  if grep -q 'Non-2xx or 3xx responses' "$3"; then
    cat "$3" >&2
    die "wrk counted error responses from $1: the numbers would be meaningless"
  fi
}

# parse_wrk FILE: prints "REQS_PER_SEC P99_MS SOCKET_ERRORS".
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60000 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return -1
    }
    $1 == "Requests/sec:" { rps = $2 }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Socket" && $2 == "errors:" {
      gsub(/,/, ""); errs = $4 + $6 + $8 + $10
    }
    END {
      if (rps == "" || p99 == "") exit 1
      printf "%.2f %.3f %d\n", rps, p99, errs + 0
    }' "$1"
}

cores=$(nproc)
now=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
nver=$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')
xver=$("$bin" version 2>/dev/null | head -n 1 || echo "?")
echo "xiaoan bench, $now, $(uname -n), nproc $cores"
echo "xiaoan: $xver ($bin, ${xloops:-?} loops); $nver (worker_processes auto)"
echo "wrk -t$THREADS -c$CONNS -d${SECONDS_PER_RUN}s --latency, after ${WARMUP}s of warm-up, on loopback; $ROUNDS round(s)."
echo "wrk and the server under test share the same $cores cores, on both sides alike:"
echo "the absolute numbers say little, compare the ratios to nginx."
load=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo 0)
if awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c / 4) }'; then
  echo "WARNING: load average $load before the run: other work on this machine skews the numbers."
fi
echo

# median FILE COLUMN: the median of a column of numbers.
median() {
  awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) exit 1
      if (NR % 2) printf "%.3f\n", v[(NR + 1) / 2]
      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
    }'
}

# measure ROUND NAME PATH: the nginx peer first, then xiaoan. Appends
# "RPS P99 ERRS" to $tmp/res/NAME.nginx and NAME.xiaoan, and xiaoan's share of
# nginx's requests/s in this round to NAME.ratio.
measure() {
  run_wrk "$nurl/$2" "$npid" "$tmp/wrk-$1-nginx-$2.txt"
  n=$(parse_wrk "$tmp/wrk-$1-nginx-$2.txt") || die "could not read wrk's output for nginx /$2"
  run_wrk "$xurl$3" "$xpid" "$tmp/wrk-$1-xiaoan-$2.txt"
  x=$(parse_wrk "$tmp/wrk-$1-xiaoan-$2.txt") || die "could not read wrk's output for xiaoan $3"
  echo "$n" >>"$tmp/res/$2.nginx"
  echo "$x" >>"$tmp/res/$2.xiaoan"
  echo "$x $n" | awk '{ printf "%.1f\n", ($4 > 0) ? 100 * $1 / $4 : 0 }' >>"$tmp/res/$2.ratio"
  for s in nginx xiaoan; do
    e=$(grep 'Socket errors' "$tmp/wrk-$1-$s-$2.txt" || :)
    [ -z "$e" ] || echo "  note: round $1, $s $2:$e" | tr -s ' '
  done
}

# tsv ROW SERVER ROUND URL BYTES RPS P99 ERRS RATIO GOAL VERDICT
tsv() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$now" "$cores" >>"$OUT"
}

rows=$(echo "$ROWS" | awk 'NF && $1 !~ /^#/')
mkdir -p "$tmp/res"
printf 'row\tserver\tround\turl\tbytes\treqs_per_sec\tp99_ms\tsocket_errors\tratio_pct\tgoal_pct\tverdict\tdate\tnproc\n' >"$OUT"

r=1
while [ "$r" -le "$ROUNDS" ]; do
  [ "$ROUNDS" -eq 1 ] || echo "round $r of $ROUNDS ..."
  echo "$rows" | while read -r name path peer goal; do
    measure "$r" "$name" "$path"
    if [ "$ROUNDS" -gt 1 ]; then
      set -- $(sed -n "${r}p" "$tmp/res/$name.nginx") $(sed -n "${r}p" "$tmp/res/$name.xiaoan")
      echo "  $name: nginx $1 req/s p99 $2 ms; xiaoan $4 req/s p99 $5 ms; $(sed -n "${r}p" "$tmp/res/$name.ratio")%"
    fi
  done
  r=$((r + 1))
done
[ "$ROUNDS" -eq 1 ] || echo

fmt='%-16s %-7s %7s %11s %9s %8s %6s  %s\n'
printf "$fmt" row server bytes "req/s" "p99 ms" ratio goal verdict
printf "$fmt" ---------------- ------- ------- ----------- --------- -------- ------ -------
below=0
echo "$rows" | {
  while read -r name path peer goal; do
    bytes=$(wc -c <"$tmp/www/$name" | tr -d ' ')
    xbytes=$(curl -sf "$xurl$path" | wc -c | tr -d ' ')
    for s in nginx xiaoan; do
      r=1
      while read -r rps p99 errs; do
        if [ "$s" = nginx ]; then
          tsv "$name" nginx "$r" "/$name" "$bytes" "$rps" "$p99" "$errs" "" "" ""
        else
          ratio=$(sed -n "${r}p" "$tmp/res/$name.ratio")
          tsv "$name" xiaoan "$r" "$path" "$xbytes" "$rps" "$p99" "$errs" "$ratio" "$goal" ""
        fi
        r=$((r + 1))
      done <"$tmp/res/$name.$s"
    done
    n_rps=$(median "$tmp/res/$name.nginx" 1)
    n_p99=$(median "$tmp/res/$name.nginx" 2)
    x_rps=$(median "$tmp/res/$name.xiaoan" 1)
    x_p99=$(median "$tmp/res/$name.xiaoan" 2)
    ratio=$(median "$tmp/res/$name.ratio" 1 | awk '{ printf "%.1f", $1 }')
    verdict=$(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r + 0 >= g + 0) ? "PASS" : "BELOW" }')
    [ "$verdict" = PASS ] || below=$((below + 1))
    n_rps=$(printf '%.0f' "$n_rps") x_rps=$(printf '%.0f' "$x_rps")
    n_p99=$(printf '%.2f' "$n_p99") x_p99=$(printf '%.2f' "$x_p99")
    printf "$fmt" "$name" nginx "$bytes" "$n_rps" "$n_p99" "" "" ""
    printf "$fmt" "$name" xiaoan "$xbytes" "$x_rps" "$x_p99" "$ratio%" "$goal%" "$verdict"
    tsv "$name" nginx median "/$name" "$bytes" "$n_rps" "$n_p99" "" "" "" ""
    tsv "$name" xiaoan median "$path" "$xbytes" "$x_rps" "$x_p99" "" "$ratio" "$goal" "$verdict"
  done
  echo
  echo "ratio: xiaoan's requests/s as a share of nginx's for a static file of the same size."
  [ "$ROUNDS" -eq 1 ] || echo "Each number is the median of $ROUNDS rounds; the ratio is the median of the per-round ratios."
  echo "$below row(s) below goal. TSV copy: $OUT"
}
