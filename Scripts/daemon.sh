# Sourced by the scripts that start daemons.
# detached COMMAND...: runs COMMAND with every inherited descriptor above 2 closed, so that a
# caller waiting for the script's own descriptors (a pipe, a process monitor) is not held
# open by the daemon for its whole life.
detached() {
  local fd
  for fd in $(ls /proc/$BASHPID/fd); do
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  exec "$@"
}

# registry_login FILE: curl configuration (for `curl -K <(registry_login FILE)`) that logs in
# to the registry with the USER:PASSWORD in FILE, so that the password is on no command
# line; nothing when FILE is empty (an open loopback registry).
registry_login() {
  [ -n "${1:-}" ] || return 0
  printf 'user = "%s"\n' "$(cat "$1")"
}

# stop_and_wait PID: asks PID to stop (SIGTERM) and waits up to 10 s for it to be gone; fails
# when it is still there, so the caller decides what follows (`|| kill -9 PID`, `|| true`).
stop_and_wait() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}
