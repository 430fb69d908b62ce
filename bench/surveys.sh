#!/bin/sh
# bench/surveys.sh BINARY: the survey row of `make bench`: durable survey
# answers per second.
#
# Builds the demo city (without cases), opens a campaign over every school
# and makes BENCH_SURVEY_CODES slips (several per student) straight into
# the database, writing their codes to a file (the codes are derived from
# the data key exactly as src/prevention/survey.c does: HMAC-SM3, here in
# Python's hashlib). wrk then POSTs one answer per fresh code to
# /api/v1/public/surveys/CODE with BENCH_SURVEY_CONNECTIONS (256) clients,
# each wrk thread taking its own share of the codes: every 201 is an
# answer, its class's counts and its spent slip on disk (group commit).
# Prints answers/s and p99, and checks the database holds at least as many
# answers as wrk counted. Goal (issue 6): 40,000 durable answers/s.
#
# A measurement, not a test: exit 0 whether or not the goal is met;
# non-zero when something fails to start, wrk counts error answers (a
# refused code: the generator and the server disagree, or the codes ran
# out), or fewer answers are stored than were acknowledged.
#
# Environment: BENCH_SECONDS (10), BENCH_WARMUP (2), BENCH_THREADS (2),
# BENCH_SURVEY_CONNECTIONS (256), BENCH_SURVEY_CODES (800000),
# BENCH_OUT (/tmp/xiaoan-bench-surveys.tsv).
set -eu

SECS=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_SURVEY_CONNECTIONS:-256}
CODES=${BENCH_SURVEY_CODES:-800000}
OUT=${BENCH_OUT:-/tmp/xiaoan-bench-surveys.tsv}

die() { echo "bench: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: sh bench/surveys.sh BINARY"
case $1 in /*) bin=$1 ;; *) bin=$(pwd)/$1 ;; esac
[ -x "$bin" ] || die "$bin is not an executable"
for tool in wrk curl sqlite3 awk python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (sh tools/deps.sh installs it)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xiaoan-bench-surveys.XXXXXX")
xpid=""
cleanup() {
  rc=$?
  trap - EXIT INT TERM
  if [ -n "$xpid" ]; then kill -TERM "$xpid" 2>/dev/null || :; wait "$xpid" 2>/dev/null || :; fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "bench: building the demo city and $CODES survey slips"
"$bin" demo --data "$tmp/data" --cases 0 >"$tmp/demo.log" 2>&1 || { cat "$tmp/demo.log" >&2; die "demo failed"; }
db="$tmp/data/xiaoan.db"

# The campaign and its slips, written as the server would (survey.c):
# code = base-29 of ((id XOR mask) << 48 | tag), tag = 48 bits of
# HMAC-SM3(k, id), mask = 29 bits of HMAC-SM3(k, "m" || tag), k =
# HMAC-SM3(data key, "xiaoan survey slip v1"); the row keeps SM3(code).
python3 - "$db" "$tmp/data/keys/data.key" "$CODES" "$tmp/codes" <<'PY' || die "could not make the slips"
import hashlib, hmac, sqlite3, sys
db, keyfile, want, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
alphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ"
k = hmac.new(open(keyfile, "rb").read(), b"xiaoan survey slip v1", "sm3").digest()
def code(i):
    tag = int.from_bytes(hmac.new(k, i.to_bytes(8, "big"), "sm3").digest()[:6], "big")
    mask = int.from_bytes(hmac.new(k, b"m" + tag.to_bytes(6, "big"), "sm3").digest()[:4], "big") & ((1 << 29) - 1)
    v = (i ^ mask) << 48 | tag
    s = []
    for _ in range(16):
        v, r = divmod(v, 29)
        s.append(alphabet[r])
    return "".join(reversed(s))
c = sqlite3.connect(db)
c.execute("INSERT INTO survey_campaigns (unit_id, name, semester, state, primary_body,"
          " secondary_body, opened_at) SELECT 1, 'bench', '2099-2100-1', 'open',"
          " (SELECT body FROM survey_templates WHERE level = 'primary' ORDER BY id LIMIT 1),"
          " (SELECT body FROM survey_templates WHERE level = 'secondary' ORDER BY id LIMIT 1),"
          " strftime('%s', 'now')")
camp = c.execute("SELECT max(id) FROM survey_campaigns").fetchone()[0]
c.execute("INSERT INTO survey_campaign_schools SELECT ?, id FROM units WHERE kind = 'school'", (camp,))
# The classes the campaign keeps (survey_freeze_classes: grade 3 and up).
c.execute("INSERT INTO survey_campaign_classes (campaign_id, class_id, unit_id, grade, name, boys, girls)"
          " SELECT ?, id, unit_id, grade, name, boys, girls FROM classes WHERE grade >= 3", (camp,))
classes = c.execute("SELECT class_id, unit_id, boys + girls FROM survey_campaign_classes"
                    " WHERE campaign_id = ? AND boys + girls > 0", (camp,)).fetchall()
nid = c.execute("SELECT coalesce(max(id), 0) + 1 FROM survey_slips").fetchone()[0]
rows, codes = [], []
while len(rows) < want:
    for cls, unit, n in classes:
        for _ in range(n):
            s = code(nid)
            rows.append((nid, camp, unit, cls, hashlib.new("sm3", s.encode()).hexdigest()))
            codes.append(s)
            nid += 1
        if len(rows) >= want:
            break
c.executemany("INSERT INTO survey_slips (id, campaign_id, unit_id, class_id, secret) VALUES (?, ?, ?, ?, ?)", rows)
c.commit()
# Interleave classes across the file, as answers from many rooms at once.
open(out, "w").write("\n".join(codes[i] for s in range(7) for i in range(s, len(codes), 7)) + "\n")
PY
camp=$(sqlite3 "$db" "SELECT max(id) FROM survey_campaigns")

"$bin" serve --data "$tmp/data" --listen 127.0.0.1:0 --access-log off \
  --conns-per-addr $((CONNS * 2 + 16)) >"$tmp/out" 2>"$tmp/err" &
xpid=$!
addr=""
i=0
while [ -z "$addr" ]; do
  addr=$(sed -n 's|.*serving on http://\([^ /]*\).*|\1|p' "$tmp/out" | head -n 1)
  [ -n "$addr" ] && break
  kill -0 "$xpid" 2>/dev/null && [ "$i" -lt 100 ] || { cat "$tmp/out" "$tmp/err" >&2; die "serve did not start"; }
  i=$((i + 1))
  sleep 0.1
done
url="http://$addr"
body='{"gender":"f","victim":"monthly","victim_forms":["verbal","exclusion"],"victim_places":["classroom"],"told":["parent"],"adult_helped":"tried","bully":"never","help":"no"}'

# The first code by hand: the generator and the server agree.
first=$(head -n 1 "$tmp/codes")
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d "$body" \
  "$url/api/v1/public/surveys/$first")
[ "$st" = 201 ] || die "the first code was answered $st, not 201"
n_all=$(wc -l <"$tmp/codes")
# The warm-up takes the first fifth of the codes, the run the rest.
warm=$((n_all / 5))
sed -n "2,${warm}p" "$tmp/codes" >"$tmp/warm.codes"
sed -n "$((warm + 1)),\$p" "$tmp/codes" >"$tmp/run.codes"

lua() {
  cat <<LUA
local n, threads = 0, $THREADS
function setup(thread) thread:set("tid", n); n = n + 1 end
function init(args)
  codes, idx = {}, 0
  local i = 0
  for line in io.lines("$1") do
    if i % threads == tid then codes[#codes + 1] = line end
    i = i + 1
  end
end
local headers = { ["Content-Type"] = "application/json" }
local body = '$body'
function request()
  idx = idx + 1
  local c = codes[idx] or "OUT-OF-CODES"
  return wrk.format("POST", "/api/v1/public/surveys/" .. c, headers, body)
end
LUA
}
lua "$tmp/warm.codes" >"$tmp/warm.lua"
lua "$tmp/run.codes" >"$tmp/run.lua"

if [ "$WARMUP" -gt 0 ]; then
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" -s "$tmp/warm.lua" "$url/" >"$tmp/warm.wrk" 2>&1 ||
    { cat "$tmp/warm.wrk" >&2; die "wrk warm-up failed"; }
  grep -q 'Non-2xx or 3xx responses' "$tmp/warm.wrk" && { cat "$tmp/warm.wrk" >&2; die "warm-up: refused answers (out of codes?)"; }
fi
before=$(sqlite3 "$db" "SELECT count(*) FROM survey_responses WHERE campaign_id = $camp")
wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency -s "$tmp/run.lua" "$url/" >"$tmp/run.wrk" 2>&1 ||
  { cat "$tmp/run.wrk" >&2; die "wrk failed"; }
grep -q 'Non-2xx or 3xx responses' "$tmp/run.wrk" && { cat "$tmp/run.wrk" >&2; die "wrk counted refused answers (out of codes? raise BENCH_SURVEY_CODES)"; }
set -- $(awk '
  /Requests\/sec:/ { rps = $2 }
  /requests in/ { n = $1 }
  $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
    p = v + 0; if (u == "us") p /= 1000; else if (u == "s") p *= 1000 }
  END { printf "%.0f %.2f %d\n", rps, p, n }' "$tmp/run.wrk")
rps=$1; p99=$2; n=$3
after=$(sqlite3 "$db" "SELECT count(*) FROM survey_responses WHERE campaign_id = $camp")
counted=$(sqlite3 "$db" "SELECT coalesce(sum(n), 0) FROM survey_counts WHERE campaign_id = $camp AND measure = 'responses'")
stored=$((after - before))
[ "$stored" -ge "$n" ] || die "wrk counted $n answers but only $stored are on disk"
[ "$counted" -eq "$after" ] || die "the counts say $counted answers, the table holds $after"
echo "surveys   ${rps} answers/s   p99 ${p99} ms   (${n} answered in the run with $CONNS clients, ${stored} stored; goal 40000/s)"
printf 'survey_answers\t%s\t%s\t%s\n' "$rps" "$p99" "$stored" >"$OUT"

# --- The results for the city after these answers: the office director
# reads the campaign's city-level results with 8 connections (results are
# built from the per-class counts, cached a few seconds). Goal: p99 < 50 ms.
pass=$(awk -F, '$1 == "director" { print $2; exit }' "$(dirname "$db")/demo-accounts.csv")
token=$(curl -sf -H 'Content-Type: application/json' \
  -d "{\"username\":\"director\",\"password\":\"$pass\"}" "$url/api/v1/session" |
  sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
[ -n "$token" ] || die "could not sign in as the office director"
curl -sf -o /dev/null -H "Authorization: Bearer $token" "$url/api/v1/surveys/$camp/results" ||
  die "GET /api/v1/surveys/$camp/results failed"
cat >"$tmp/results.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
wrk -t"$THREADS" -c8 -d"${SECS}s" --latency -s "$tmp/results.lua" \
  "$url/api/v1/surveys/$camp/results" >"$tmp/results.wrk" 2>&1 || { cat "$tmp/results.wrk" >&2; die "wrk failed (results)"; }
grep -q 'Non-2xx or 3xx responses' "$tmp/results.wrk" && { cat "$tmp/results.wrk" >&2; die "results: error answers"; }
set -- $(awk '
  /Requests\/sec:/ { rps = $2 }
  $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
    p = v + 0; if (u == "us") p /= 1000; else if (u == "s") p *= 1000 }
  END { printf "%.0f %.2f\n", rps, p }' "$tmp/results.wrk")
echo "results   ${1} req/s   p99 ${2} ms   (the city, ${after} answers this semester, 8 at once; goal p99 < 50 ms)"
printf 'survey_results\t%s\t%s\n' "$1" "$2" >>"$OUT"
