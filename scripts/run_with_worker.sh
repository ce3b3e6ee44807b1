#!/usr/bin/env bash
# Runs a server with a Celery worker beside it and stops both together: on Ctrl-C, on a TERM sent
# to this script or to its whole process group, and when the server exits by itself.
#
#   scripts/run_with_worker.sh WORKER_COMMAND... -- SERVER_COMMAND...
#
# `make run` uses it. Each command gets a process group of its own, so a signal meant for `make run`
# reaches only this script, which then stops the others in order. A TERM sent straight to the
# worker's pool processes (what happened when the worker shared the group) killed them under the
# worker, which then waited for them forever in warm shutdown. The worker's main process gets one
# TERM (warm shutdown: the running task finishes); whatever of it is left after RUN_STOP_GRACE
# seconds (default 10) is killed.
set -u

worker=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    worker+=("$1")
    shift
done
if [ $# -lt 2 ] || [ ${#worker[@]} -eq 0 ]; then
    echo "usage: $0 WORKER_COMMAND... -- SERVER_COMMAND..." >&2
    exit 2
fi
shift
grace=${RUN_STOP_GRACE:-10}

set -m  # background commands get a process group of their own
"${worker[@]}" &
worker_pid=$!
"$@" &
server_pid=$!
set +m

alive() { kill -0 "$1" 2>/dev/null; }

stopping=
stop() {
    [ -n "$stopping" ] && return
    stopping=1
    kill -TERM -- "-$server_pid" 2>/dev/null
    kill -TERM "$worker_pid" 2>/dev/null
    waited=0
    while { alive "$worker_pid" || alive "$server_pid"; } && [ "$waited" -lt $((grace * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    if alive "$worker_pid" || alive "$server_pid"; then
        echo "run_with_worker: still running after ${grace}s, killing the worker and the server." >&2
    fi
    # The groups, not only the main processes: the worker's pool and the server's reloader too.
    kill -KILL -- "-$worker_pid" "-$server_pid" 2>/dev/null
    wait 2>/dev/null
}

# A signal only records how to exit: the stopping is done once, below, even when `make` passes on
# its own TERM to this script while the worker is still shutting down.
signalled=
trap 'signalled=130' INT
trap 'signalled=143' TERM
trap 'stop' EXIT

# Returns when the server exits or when a signal arrives.
wait "$server_pid"
status=$?
stop
exit "${signalled:-$status}"
