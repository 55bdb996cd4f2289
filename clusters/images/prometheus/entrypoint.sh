#!/bin/sh
# With GRAVL_SCRAPE_TARGETS set (e.g. "backend:3001,backend2:3001"), renders /tmp/prometheus.yml from env and
# uses it (SCRAPE_INTERVAL, default 15s; ALERTMANAGER_TARGETS, default alertmanager:9093). Otherwise runs with
# the config given in the arguments (the baked default, or a mounted ConfigMap).
set -eu
if [ -n "${GRAVL_SCRAPE_TARGETS:-}" ]; then
  quote() { echo "$1" | sed "s/[[:space:]]//g; s/,/', '/g; s/^/'/; s/\$/'/"; }
  cat > /tmp/prometheus.yml <<CONF
global:
  scrape_interval: ${SCRAPE_INTERVAL:-15s}
  evaluation_interval: ${SCRAPE_INTERVAL:-15s}
rule_files:
  - /etc/prometheus/rules/*.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: [$(quote "${ALERTMANAGER_TARGETS:-alertmanager:9093}")]
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
  - job_name: gravl-backend
    static_configs:
      - targets: [$(quote "$GRAVL_SCRAPE_TARGETS")]
CONF
  # kingpin refuses a repeated flag: drop the default --config.file and pass ours.
  for arg do
    shift
    case "$arg" in --config.file=*) ;; *) set -- "$@" "$arg" ;; esac
  done
  set -- "$@" --config.file=/tmp/prometheus.yml
fi
exec /usr/bin/prometheus "$@"
