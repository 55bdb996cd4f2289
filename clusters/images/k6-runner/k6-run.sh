#!/bin/sh
# /usr/local/bin/k6 in the k6-runner image: drillbook's k6 (at $DRILLBOOK_K6_BIN) behind a wrapper. Anything but
# `k6 run` with DRILLBOOK_SAMPLES=1 in the environment goes straight to k6 (the initializer's `k6 archive` and
# `k6 inspect`, `k6 version`). Such a run also writes its raw samples (CSV), its summary and its error log to
# $DRILLBOOK_OUT, and when k6 ends prints them on stdout, where the harness reads them from the pod's log
# (tools/k6/k6-operator.merge.ts parseRunnerLog):
#   @@drillbook-file <name> <bytes> <sha256>    base64, 76 columns    @@drillbook-end <name>
#   ... samples.csv.gz, summary.json, k6.log ...
#   @@drillbook-exit <k6 exit code>
# then exits with k6's exit code. The runner judges nothing (--no-thresholds): the verdict is taken on the merged
# data of all runners. Only http_req_duration and http_req_failed rows, first three columns, are kept (measured:
# ~7 bytes a request gzipped, ~9 in base64), so an hour at 100 req/s prints ~3 MB, under the kubelet's log
# rotation (containerLogMaxSize, 10 MiB); a log rotated anyway fails its checksum: inconclusive, never wrong.
set -u
K6="${DRILLBOOK_K6_BIN:-/usr/local/lib/drillbook/k6}"
if [ "${1:-}" != "run" ] || [ "${DRILLBOOK_SAMPLES:-}" != "1" ]; then exec "$K6" "$@"; fi
shift
out="${DRILLBOOK_OUT:-/tmp/drillbook}"
mkdir -p "$out" || exit 1
K6_CSV_TIME_FORMAT=unix_milli "$K6" run \
  --out "csv=$out/raw.csv.gz" \
  --summary-export "$out/summary.json" \
  --no-thresholds \
  --system-tags status,expected_response,error_code \
  --log-output "file=$out/k6.log,level=error" \
  "$@"
code=$?
if [ -f "$out/raw.csv.gz" ]; then
  gzip -dc "$out/raw.csv.gz" | grep -E '^(metric_name|http_req_duration|http_req_failed),' | cut -d, -f1-3 | gzip -c > "$out/samples.csv.gz"
fi
[ -f "$out/k6.log" ] && tail -c 16384 "$out/k6.log" > "$out/k6-tail.log"
emit() {
  if [ ! -f "$2" ]; then echo "@@drillbook-missing $1"; return; fi
  echo "@@drillbook-file $1 $(wc -c < "$2" | tr -d ' ') $(sha256sum "$2" | cut -d' ' -f1)"
  base64 "$2"
  echo "@@drillbook-end $1"
}
emit summary.json "$out/summary.json"
emit samples.csv.gz "$out/samples.csv.gz"
[ -f "$out/k6-tail.log" ] && emit k6.log "$out/k6-tail.log"
echo "@@drillbook-exit $code"
exit "$code"
