/**
 * The watcher that stays with each local job: a POSIX shell script, run as
 *   /bin/sh -c WATCHER_SCRIPT hotstepper-job LOGDIR SETSID RESET LIMIT GRACE TENTHS CGROUP MEMORY ENFORCEMENT ARGV...
 * with the job's environment and working directory. A shell costs about a megabyte where a
 * Node watcher cost forty; a backend serving many jobs keeps one per job.
 *
 * It runs in a session of its own (spawned detached), so neither the backend's death nor
 * jupyter-server-proxy killing the backend's process group reaches it, and starts the job
 * through setsid: the job's process group is the job alone, and signalling it never kills the
 * watcher that must record the outcome. RESET (`env --default-signal=INT,QUIT`, where coreutils
 * has it) undoes the shell's ignoring of SIGINT and SIGQUIT for commands it runs in the
 * background, so a job sees the signals as it would from a terminal.
 *
 * Files in LOGDIR: `launch.json` (claimed by renaming it to `launch.taken`, deleted once the
 * job has started), `pid`, `exit`, and the markers `timed-out` (written here) and `cancelled`
 * (by the runner). A SIGTERM to the watcher means "cancel": TERM the job's group, KILL after
 * the grace (GRACE seconds; TENTHS is the same in tenths of a second, for the wait loop).
 *
 * A shell's `wait` folds a death by signal N into the status 128+N: a status of 129–192 is
 * recorded as that signal, so a program that itself exits with such a code is reported as
 * killed by the signal.
 */
/** A shell parameter expansion's opening, which a template literal cannot hold as such. */
const B = '${';

export const WATCHER_SCRIPT = String.raw`
d=$1 setsid=$2 reset=$3 limit=$4 grace=$5 tenths=$6 cg=$7 mem=$8 enf=$9
shift 9
jp=$PATH
PATH=/usr/local/bin:/usr/bin:/bin
# Claimed by a rename: a backend restarted after a crash voids an unclaimed launch the same
# way (LocalJobRunner.adopt), so exactly one of the two decides whether the job runs.
mv "$d/launch.json" "$d/launch.taken" 2>/dev/null || exit 0
put() { printf '%s\n' "$2" > "$d/.$1.$$.tmp" && mv -f "$d/.$1.$$.tmp" "$d/$1"; }
now() { date +%s%3N; }
# Field 22 of /proc/<pid>/stat (its start time in clock ticks), in $st.
start_time() {
  st=
  read -r s < "/proc/$1/stat" || return 0
  s=${B}s##*) }
  set -- $s
  st=${B}20}
}
# Timers are plain sleeps, children of this shell: the wait below wakes when one ends (CHLD).
stopping= timer= killer=
stop() {
  [ -n "$stopping" ] && return
  stopping=1
  kill -TERM -$job 2>/dev/null
  sleep "$grace" & killer=$!
}
timers() {
  if [ -n "$timer" ] && ! kill -0 $timer 2>/dev/null; then
    wait $timer && put timed-out "{\"at\":$(now)}" && stop
    timer=
  fi
  if [ -n "$killer" ] && ! kill -0 $killer 2>/dev/null; then
    wait $killer && kill -KILL -$job 2>/dev/null
    killer=
  fi
}
trap 'trapped=1; stop' TERM
# Caught rather than ignored, so that the job does not inherit them ignored.
trap 'trapped=1' INT HUP CHLD
PATH=$jp
"$setsid" $reset "$@" &
job=$!
PATH=/usr/local/bin:/usr/bin:/bin
start_time $job
jst=$st
start_time $$
json="{\"pid\":$job,\"watcherPid\":$$,\"startedAt\":$(now)"
[ -n "$jst" ] && json="$json,\"startTime\":\"$jst\""
[ -n "$st" ] && json="$json,\"watcherStartTime\":\"$st\""
[ -n "$limit" ] && json="$json,\"timeLimitSeconds\":$limit"
[ -n "$mem" ] && json="$json,\"memoryBytes\":$mem"
[ -n "$enf" ] && json="$json,\"enforcement\":\"$enf\""
put pid "$json}"
rm -f "$d/launch.taken"
[ -n "$limit" ] && { sleep "$limit" & timer=$!; }
# A trapped signal ends a wait early; waiting again returns the job's own status (or 127
# when the job had already been reaped: its status is then the one before the signal).
while :; do
  trapped=
  wait $job
  s=$?
  timers
  [ -n "$trapped" ] || break
  [ $s -eq 127 ] && [ -n "$last" ] && { s=$last; break; }
  last=$s
done
status=$s
finished=$(now)
if [ $status -gt 128 ] && [ $status -le 192 ]; then
  exit_json="\"code\":null,\"signal\":\"SIG$(kill -l $((status - 128)))\""
else
  exit_json="\"code\":$status,\"signal\":null"
fi
oom=false
if [ -n "$cg" ] && [ -r "$cg/memory.events" ]; then
  while read -r key value; do
    [ "$key" = oom_kill ] && [ "$value" -gt 0 ] && oom=true
  done < "$cg/memory.events"
fi
put exit "{$exit_json,\"oomKilled\":$oom,\"finishedAt\":$finished}"
# What the job left running in its group goes with it, as a scheduler would do.
if kill -0 -$job 2>/dev/null; then
  kill -TERM -$job 2>/dev/null
  waited=0
  while [ $waited -lt $tenths ] && kill -0 -$job 2>/dev/null; do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL -$job 2>/dev/null
fi
[ -n "$timer" ] && kill $timer 2>/dev/null
[ -n "$killer" ] && kill $killer 2>/dev/null
if [ -n "$cg" ]; then
  echo 1 > "$cg/cgroup.kill" 2>/dev/null
  tries=0
  while [ -d "$cg" ] && ! rmdir "$cg" 2>/dev/null && [ $tries -lt 50 ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
fi
exit 0
`;
