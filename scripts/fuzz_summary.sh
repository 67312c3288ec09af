#!/usr/bin/env bash
# Sums fuzz/campaign.log (written by scripts/fuzz_campaign.sh) per target, as a
# Markdown table: runs, CPU seconds, executions, the last run's coverage
# (edges and features) and corpus size, findings.
#
#   scripts/fuzz_summary.sh [LOG=fuzz/campaign.log]
set -u
log=${1:-$(cd "$(dirname "$0")/.." && pwd)/fuzz/campaign.log}
[ -f "$log" ] || { echo "no $log: run scripts/fuzz_campaign.sh first" >&2; exit 1; }
echo "| target | runs | CPU time | executions | coverage (edges / features) | corpus | findings |"
echo "|---|---|---|---|---|---|---|"
awk '
  {
    t = $2
    for (i = 3; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
    if (!(t in runs)) order[++n] = t
    # CPU seconds where the line has them (cpu=), else the wall-clock seconds of a run on an idle core.
    runs[t]++; secs[t] += ("cpu" in v && v["cpu"] ~ /^[0-9]+$/) ? v["cpu"] : v["seconds"]; delete v["cpu"]; if (v["execs"] ~ /^[0-9]+$/) execs[t] += v["execs"]
    cov[t] = v["cov"]; ft[t] = v["ft"]; corpus[t] = v["corpus"]; found[t] = v["findings"]  # (the findings folder as it stands after the run)
  }
  END {
    for (k = 1; k <= n; ++k) {
      t = order[k]
      printf "| `%s` | %d | %d min | %.1f M | %s / %s | %s | %d |\n", t, runs[t], secs[t] / 60, execs[t] / 1e6, cov[t], ft[t], corpus[t], found[t]
    }
  }' "$log"
