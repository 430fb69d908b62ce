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
# Beside req/s it measures the CPU time per request of each server and of
# wrk, how much of the machine other work took meanwhile, and how much
# stayed idle: when other work shares the machine, req/s and the ratio move
# a lot, the CPU times hardly, and the ratio they predict ("cpu r") stays
# usable; idle CPU during a run means the server did not keep its cores busy.
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
wpid=""

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
  stop "$wpid"
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

# The rows, checked before anything starts.
rows=$(echo "$ROWS" | awk 'NF && $1 !~ /^#/')
[ -n "$rows" ] || die "no rows"
echo "$rows" >"$tmp/rows"
echo "$rows" | awk '
  NF != 4 { print "bench: row \"" $0 "\" needs 4 fields: name path peer goal"; bad = 1 }
  $1 !~ /^[A-Za-z0-9_.-]+$/ { print "bench: row name \"" $1 "\" must be letters, digits, _ . -"; bad = 1 }
  seen[$1]++ { print "bench: row name \"" $1 "\" is used twice"; bad = 1 }
  $2 !~ /^\// { print "bench: row " $1 ": the path must start with /"; bad = 1 }
  $3 !~ /^(\/.*|[0-9]+)$/ { print "bench: row " $1 ": the nginx peer must be a path or a byte count"; bad = 1 }
  $4 !~ /^[0-9]+(\.[0-9]+)?$/ { print "bench: row " $1 ": the goal must be a number (percent)"; bad = 1 }
  END { exit bad }' >&2 || exit 1

# --- xiaoan ----------------------------------------------------------------
"$bin" init --data "$tmp/data" >"$tmp/init.log" 2>&1 ||
  { cat "$tmp/init.log" >&2; die "xiaoan init failed"; }
# Every wrk connection comes from 127.0.0.1, and a closed connection is
# only uncounted once its loop notices the close: the per-address cap is
# raised well above wrk's connections so that it never answers 503 here.
: >"$tmp/xiaoan.out"
"$bin" serve --data "$tmp/data" --listen 127.0.0.1:0 --access-log off \
  --conns-per-addr $((CONNS * 4 + 16)) >"$tmp/xiaoan.out" 2>"$tmp/xiaoan.err" &
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
while read -r name path peer goal <&3; do
  case $peer in
    /*)
      ctype=$(curl -sf -o "$tmp/www/$name" -w '%{content_type}' "$xurl$peer") ||
        die "GET $xurl$peer failed: it cannot size the nginx peer of row $name"
      ;;
    *)
      ctype=application/octet-stream
      head -c "$peer" /dev/zero | tr '\0' x >"$tmp/www/$name"
      ;;
  esac
  printf '%s\n' "${ctype%%;*}" >"$tmp/www/$name.type"
  curl -sf -o /dev/null "$xurl$path" || die "GET $xurl$path failed (row $name)"
done 3<"$tmp/rows"

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
first=$(echo "$rows" | awk '{ print $1; exit }')
port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ))
tries=0
while :; do
  nginx_conf "$port" >"$tmp/nginx.conf"
  "$nginx_bin" -c "$tmp/nginx.conf" -p "$tmp" -e "$tmp/nginx-error.log" \
    >"$tmp/nginx.out" 2>&1 &
  npid=$!
  nurl="http://127.0.0.1:$port"
  # Started, and it is our nginx that answers, not another server there.
  if wait_http "$nurl/$first" "$npid" &&
     curl -sfI "$nurl/$first" | grep -qi '^server: nginx' && kill -0 "$npid" 2>/dev/null; then
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
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)

# machine_ticks: "BUSY TOTAL" CPU ticks of the whole machine so far, all cores.
machine_ticks() {
  awk '$1 == "cpu" { t = $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; print t - $5 - $6, t; exit }' /proc/stat
}

# cpu_ticks PID: user + system CPU ticks used so far by PID (all its threads)
# and its children (nginx's workers).
cpu_ticks() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '
    { s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
      if ($1 == p || f[2] == p) t += f[12] + f[13] }
    END { print t + 0 }'
}

# bg_wrk ARGS...: wrk in the background and a wait for it, so that a signal
# to this script stops the run at once (its trap runs, and stops wrk).
bg_wrk() {
  wrk -t"$THREADS" -c"$CONNS" "$@" &
  wpid=$!
  wrc=0
  wait "$wpid" || wrc=$?
  wpid=""
  return "$wrc"
}

# run_wrk URL PID OUTFILE: a warm-up, then the measured run. Fails when wrk
# fails, the server died, or wrk counted non-2xx/3xx responses.
run_wrk() {
  if [ "$WARMUP" -gt 0 ]; then
    bg_wrk -d"${WARMUP}s" "$1" >/dev/null 2>&1 || die "wrk warm-up against $1 failed"
  fi
  sleep 1 # let the server see the warm-up's connections close
  c0=$(cpu_ticks "$2")
  m0=$(machine_ticks)
  times >"$tmp/times0" # this shell's children's CPU time: wrk's, below
  bg_wrk -d"${SECONDS_PER_RUN}s" --latency "$1" >"$3" 2>&1 ||
    { cat "$3" >&2; die "wrk against $1 failed"; }
  times >"$tmp/times1"
  m1=$(machine_ticks)
  c1=$(cpu_ticks "$2")
  echo "server-cpu-ticks: $((c1 - c0))" >>"$3"
  echo "machine-ticks: $m0 $m1" >>"$3"
  echo "wrk-cpu-seconds: $(cat "$tmp/times0" "$tmp/times1" | awk '
    function sec(v,  m) { m = v; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", v); sub(/s$/, "", v); return 60 * m + v }
    NR == 2 { a = sec($1) + sec($2) }
    NR == 4 { b = sec($1) + sec($2) }
    END { printf "%.3f", b - a }')" >>"$3"
  kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "the server behind $1 died during the run"; }
  sleep 1
  if grep -q 'Non-2xx or 3xx responses' "$3"; then
    cat "$3" >&2
    die "wrk counted error responses from $1: the numbers would be meaningless"
  fi
}

# parse_wrk FILE: prints "REQS_PER_SEC P99_MS SOCKET_ERRORS SERVER_CPU_US WRK_CPU_US
# OTHER_PCT IDLE_PCT": CPU times per request, and the shares of the machine's
# CPU time that went to other work and that nobody used during the run.
parse_wrk() {
  awk -v hz="$hz" '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60000 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return -1
    }
    $1 == "Requests/sec:" { rps = $2 }
    $2 == "requests" && $3 == "in" { n = $1 }
    $1 == "server-cpu-ticks:" { ticks = $2 }
    $1 == "wrk-cpu-seconds:" { wrk = $2 }
    $1 == "machine-ticks:" { busy = $4 - $2; total = $5 - $3 }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Socket" && $2 == "errors:" {
      gsub(/,/, ""); errs = $4 + $6 + $8 + $10
    }
    END {
      if (rps == "" || p99 == "" || n + 0 == 0) exit 1
      other = total > 0 ? 100 * (busy - ticks - wrk * hz) / total : 0
      if (other < 0) other = 0
      idle = total > 0 ? 100 * (total - busy) / total : 0
      printf "%.2f %.3f %d %.1f %.1f %.0f %.0f\n", rps, p99, errs + 0, 1e6 * ticks / hz / n, 1e6 * wrk / n, other, idle
    }' "$1"
}

cores=$(nproc)
now=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
nver=$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')
xver=$("$bin" version 2>/dev/null | head -n 1 || echo "?")
load=$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo 0)
echo "xiaoan bench, $now, $(uname -n), nproc $cores, load average $load"
echo "xiaoan: $xver ($bin, ${xloops:-?} loops); $nver (worker_processes auto)"
echo "wrk -t$THREADS -c$CONNS -d${SECONDS_PER_RUN}s --latency, after ${WARMUP}s of warm-up, on loopback; $ROUNDS round(s)."
echo "wrk and the server under test share the same $cores cores, on both sides alike:"
echo "the absolute numbers say little, compare the ratios to nginx."
# Other work right now (the load average lags, and counts earlier benchmarks).
m0=$(machine_ticks)
sleep 1
m1=$(machine_ticks)
busy=$(echo "$m0 $m1" | awk '{ print ($4 > $2) ? int(100 * ($3 - $1) / ($4 - $2) + 0.5) : 0 }')
if [ "$busy" -gt 10 ]; then
  echo "WARNING: other work used $busy% of the CPU just before the run: it skews the numbers."
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

# med FILE COLUMN FORMAT: the median, printed with FORMAT.
med() {
  median "$1" "$2" | awk -v f="$3" '{ printf f, $1 }'
}

# measure ROUND NAME PATH: the nginx peer first, then xiaoan. Appends
# parse_wrk's line to $tmp/res/NAME.nginx and
# NAME.xiaoan; xiaoan's share of nginx's requests/s in this round to
# NAME.ratio, and the share the CPU times predict to NAME.est.
measure() {
  run_wrk "$nurl/$2" "$npid" "$tmp/wrk-$1-nginx-$2.txt"
  n=$(parse_wrk "$tmp/wrk-$1-nginx-$2.txt") || die "could not read wrk's output for nginx /$2"
  run_wrk "$xurl$3" "$xpid" "$tmp/wrk-$1-xiaoan-$2.txt"
  x=$(parse_wrk "$tmp/wrk-$1-xiaoan-$2.txt") || die "could not read wrk's output for xiaoan $3"
  echo "$n" >>"$tmp/res/$2.nginx"
  echo "$x" >>"$tmp/res/$2.xiaoan"
  echo "$x $n" | awk '{ printf "%.1f\n", ($8 > 0) ? 100 * $1 / $8 : 0 }' >>"$tmp/res/$2.ratio"
  echo "$x $n" | awk '{ printf "%.1f\n", ($4 + $5 > 0) ? 100 * ($11 + $12) / ($4 + $5) : 0 }' >>"$tmp/res/$2.est"
  for s in nginx xiaoan; do
    e=$(grep 'Socket errors' "$tmp/wrk-$1-$s-$2.txt" || :)
    [ -z "$e" ] || echo "  note: round $1, $s $2:$e" | tr -s ' '
  done
}

# tsv ROW SERVER ROUND URL BYTES RPS P99 ERRS SERVER_CPU WRK_CPU OTHER IDLE RATIO EST GOAL VERDICT
tsv() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" "$now" "$cores" >>"$OUT"
}

mkdir -p "$tmp/res"
printf 'row\tserver\tround\turl\tbytes\treqs_per_sec\tp99_ms\tsocket_errors\tserver_cpu_us_per_req\twrk_cpu_us_per_req\tother_cpu_pct\tidle_cpu_pct\tratio_pct\tcpu_ratio_pct\tgoal_pct\tverdict\tdate\tnproc\n' >"$OUT"

r=1
while [ "$r" -le "$ROUNDS" ]; do
  [ "$ROUNDS" -eq 1 ] || echo "round $r of $ROUNDS ..."
  while read -r name path peer goal <&3; do
    measure "$r" "$name" "$path"
    if [ "$ROUNDS" -gt 1 ]; then
      # shellcheck disable=SC2046 # the fields are meant to be split
      set -- $(sed -n "${r}p" "$tmp/res/$name.nginx") $(sed -n "${r}p" "$tmp/res/$name.xiaoan")
      echo "  $name: nginx $1 req/s, p99 $2 ms (other work $6%, idle $7%);" \
        "xiaoan $8 req/s, p99 $9 ms (other work ${13}%, idle ${14}%): $(sed -n "${r}p" "$tmp/res/$name.ratio")%"
    fi
  done 3<"$tmp/rows"
  r=$((r + 1))
done
[ "$ROUNDS" -eq 1 ] || echo

# shellcheck disable=SC2059 # one format for the header and the rows
fmt='%-12s %-6s %6s %8s %7s %6s %6s %6s %6s %5s  %s\n'
printf "$fmt" row server bytes "req/s" "p99 ms" "srv us" "wrk us" ratio "cpu r" goal verdict
printf "$fmt" ------------ ------ ------ -------- ------- ------ ------ ------ ------ ----- -------
below=0
while read -r name path peer goal <&3; do
  bytes=$(wc -c <"$tmp/www/$name" | tr -d ' ')
  xbytes=$(curl -sf "$xurl$path" | wc -c | tr -d ' ')
  for s in nginx xiaoan; do
    r=1
    while read -r rps p99 errs scpu wcpu other idle; do
      if [ "$other" -gt 10 ]; then
        echo "$name $s round $r: $other%" >>"$tmp/res/busy"
      fi
      if [ "$idle" -gt 10 ]; then
        echo "$name $s round $r: $idle%" >>"$tmp/res/idle"
      fi
      if [ "$s" = nginx ]; then
        tsv "$name" nginx "$r" "/$name" "$bytes" "$rps" "$p99" "$errs" "$scpu" "$wcpu" "$other" "$idle" "" "" "" ""
      else
        tsv "$name" xiaoan "$r" "$path" "$xbytes" "$rps" "$p99" "$errs" "$scpu" "$wcpu" "$other" "$idle" \
          "$(sed -n "${r}p" "$tmp/res/$name.ratio")" "$(sed -n "${r}p" "$tmp/res/$name.est")" "$goal" ""
      fi
      r=$((r + 1))
    done <"$tmp/res/$name.$s"
  done
  n=$tmp/res/$name.nginx x=$tmp/res/$name.xiaoan
  nginx_rps=$(med "$n" 1 %.0f) nginx_p99=$(med "$n" 2 %.2f)
  nginx_scpu=$(med "$n" 4 %.1f) nginx_wcpu=$(med "$n" 5 %.1f)
  xiaoan_rps=$(med "$x" 1 %.0f) xiaoan_p99=$(med "$x" 2 %.2f)
  xiaoan_scpu=$(med "$x" 4 %.1f) xiaoan_wcpu=$(med "$x" 5 %.1f)
  ratio=$(med "$tmp/res/$name.ratio" 1 %.1f)
  est=$(med "$tmp/res/$name.est" 1 %.1f)
  verdict=$(awk -v r="$ratio" -v g="$goal" 'BEGIN { print (r + 0 >= g + 0) ? "PASS" : "BELOW" }')
  [ "$verdict" = PASS ] || below=$((below + 1))
  printf "$fmt" "$name" nginx "$bytes" "$nginx_rps" "$nginx_p99" "$nginx_scpu" "$nginx_wcpu" "" "" "" ""
  mark=""
  [ ! -s "$tmp/res/busy" ] || ! awk -v n="$name" '$1 == n { f = 1 } END { exit !f }' "$tmp/res/busy" || mark="*"
  printf "$fmt" "$name" xiaoan "$xbytes" "$xiaoan_rps" "$xiaoan_p99" "$xiaoan_scpu" "$xiaoan_wcpu" \
    "$ratio%" "$est%" "$goal%" "$verdict$mark"
  tsv "$name" nginx median "/$name" "$bytes" "$nginx_rps" "$nginx_p99" "" "$nginx_scpu" "$nginx_wcpu" "" "" "" "" "" ""
  tsv "$name" xiaoan median "$path" "$xbytes" "$xiaoan_rps" "$xiaoan_p99" "" "$xiaoan_scpu" "$xiaoan_wcpu" "" "" \
    "$ratio" "$est" "$goal" "$verdict"
done 3<"$tmp/rows"
echo
echo "ratio: xiaoan's requests/s as a share of nginx's, for a static file of the same size;"
echo "  the verdict compares it with the goal."
echo "srv us, wrk us: CPU time (user + system) per request of the server (all its threads or"
echo "  workers) and of wrk. Unlike req/s, they hardly move when other work shares the machine."
echo "cpu r: the ratio those CPU times predict, (nginx srv + wrk) / (xiaoan srv + wrk): what"
echo "  the ratio would be on an otherwise idle machine, where wrk and the server use all cores."
[ "$ROUNDS" -eq 1 ] || echo "Each number is the median of $ROUNDS rounds; the ratios are medians of the per-round ratios."
if [ -s "$tmp/res/busy" ]; then
  echo "WARNING (*): other work took more than 10% of the machine's CPU during these runs, so"
  echo "  their req/s and ratio are skewed (trust srv us, wrk us and cpu r more):"
  sed 's/^/    /' "$tmp/res/busy"
fi
if [ -s "$tmp/res/idle" ]; then
  echo "NOTE: more than 10% of the machine's CPU stayed idle during these runs: the server did"
  echo "  not keep its cores busy (for xiaoan: connections unevenly spread over its event loops,"
  echo "  or a lock), so req/s is below what cpu r predicts:"
  sed 's/^/    /' "$tmp/res/idle"
fi
echo "$below row(s) below goal. TSV copy: $OUT"
