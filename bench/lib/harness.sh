# Shared by the bench/run-* scripts that start servers: logging, the jobs, server and throwaway
# PostgreSQL cluster they start, and stopping all of them at the end, also on failure or Ctrl-C.
# Sourced, not run: it uses the caller's root, work (the run's directory) and keep (1: keep work
# and the cluster), and sets job_pid, server_pid, pg_dir and pg_keep (1: stop the cluster but keep
# its files, as for a cached database), and the EXIT, ERR, INT and TERM traps.

log() { printf '%s bench: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

set -m
job_pid=""
server_pid=""
pg_dir=""
pg_keep=0

stop_server() {
  [[ -n $server_pid ]] || return 0
  if kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 200); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

stop_pg() {
  [[ -n $pg_dir ]] || return 0
  if ((pg_keep || keep)); then
    "$root/scripts/pg-throwaway" stop "$pg_dir" --keep || true
  else
    "$root/scripts/pg-throwaway" stop "$pg_dir" || true
  fi
  pg_dir=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $job_pid ]]; then
    kill -TERM -- "-$job_pid" 2>/dev/null || true
    wait "$job_pid" 2>/dev/null || true
  fi
  stop_server
  stop_pg
  if [[ -z ${work:-} ]]; then
    :
  elif ((keep)); then
    log "kept $work"
  else
    rm -rf -- "$work"
  fi
  ((rc == 0)) || log "failed (exit status $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "command failed (line $LINENO, status $?): $BASH_COMMAND"' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

run_job() {
  "$@" &
  job_pid=$!
  local rc=0
  wait "$job_pid" || rc=$?
  job_pid=""
  return "$rc"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}


# wait_healthz URL: until the server started as server_pid answers (at most 60 s).
wait_healthz() {
  local url=$1 deadline=$((SECONDS + 60))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || die "kanri serve exited; see its serve.log in $work"
    ((SECONDS < deadline)) || die "kanri serve did not answer $url within 60 s"
    sleep 0.05
  done
}
