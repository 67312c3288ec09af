# Shared by the capture scripts (sourced): a work directory, background
# processes and network namespaces that are removed at exit whatever happens,
# tool checks, and tcpdump started only once it is really listening.
#
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/lib.sh"
#   cap_init make_x_capture ["apt-get install ..."]   # $work, $pids, cleanup on exit
#   cap_need tcpdump python3 ip    # "make_x_capture: curl is missing"
#   cap_netns "$ns"                # created with lo up, deleted at exit
#   cap_dump_start "$ns" lo "$here/x.pcap" "tcp port 8080"
#   ...
#   cap_dump_stop
# A script may set cap_on_exit to a command run first at exit (a debug dump).

cap_init() {
  cap_name=$1
  cap_hint=${2:-}
  work=$(mktemp -d)
  pids=()
  cap_namespaces=()
  cap_on_exit=
  trap cap_cleanup EXIT
}

cap_cleanup() {
  local rc=$?
  set +e  # every step runs, whatever fails
  [ -n "${cap_on_exit:-}" ] && eval "$cap_on_exit"
  # (a process a script stopped with SIGSTOP is continued first, so it can end)
  for p in "${pids[@]:-}"; do [ -n "$p" ] && { kill -CONT "$p"; kill "$p"; } 2>/dev/null; done
  wait 2>/dev/null || true
  for n in "${cap_namespaces[@]:-}"; do [ -n "$n" ] && ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$rc"
}

cap_need() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$cap_name: $tool is missing${cap_hint:+ ($cap_hint)}" >&2; exit 1; }
  done
}

# A network namespace with its loopback up, deleted at exit.
cap_netns() {
  ip netns add "$1"
  cap_namespaces+=("$1")
  ip netns exec "$1" ip link set lo up
}

# Waits (5 s at most) until FILE contains PATTERN.
cap_wait_for() {
  local _
  for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 0
}

# tcpdump in namespace NS ("" for this one) on IFACE into OUT, with FILTER
# if given; returns once it listens.
cap_dump_start() {
  local run=()
  [ -n "$1" ] && run=(ip netns exec "$1")
  : >"$work/tcpdump.log"
  "${run[@]}" tcpdump -i "$2" --immediate-mode -U -s 262144 -w "$3" ${4:+"$4"} 2>"$work/tcpdump.log" &
  cap_dump=$!
  pids+=("$cap_dump")
  cap_wait_for "$work/tcpdump.log" "listening on"
  sleep 0.3
}

# Lets the last packets arrive, then stops tcpdump (it flushes on SIGINT).
cap_dump_stop() {
  sleep 0.5
  kill -INT "$cap_dump"
  wait "$cap_dump" 2>/dev/null || true
}
