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
 * Every variable here is named hs_…: the job inherits this shell's environment, and an
 * assignment to a name the job's environment holds would change what the job gets.
 *
 * A shell's `wait` folds a death by signal N into the status 128+N: a status of 129–192 is
 * recorded as that signal, so a program that itself exits with such a code is reported as
 * killed by the signal.
 */
/** A shell parameter expansion's opening, which a template literal cannot hold as such. */
const B = '${';

export const WATCHER_SCRIPT = String.raw`
hs_d=$1 hs_setsid=$2 hs_reset=$3 hs_limit=$4 hs_grace=$5 hs_tenths=$6 hs_cg=$7 hs_mem=$8 hs_enf=$9
shift 9
hs_jp=$PATH
PATH=/usr/local/bin:/usr/bin:/bin
# Claimed by a rename: a backend restarted after a crash voids an unclaimed launch the same
# way (LocalJobRunner.adopt), so exactly one of the two decides whether the job runs.
mv "$hs_d/launch.json" "$hs_d/launch.taken" 2>/dev/null || exit 0
put() { printf '%s\n' "$2" > "$hs_d/.$1.$$.tmp" && mv -f "$hs_d/.$1.$$.tmp" "$hs_d/$1"; }
now() { date +%s%3N; }
# Field 22 of /proc/<pid>/stat (its start time in clock ticks), in $hs_st.
start_time() {
  hs_st=
  read -r hs_s < "/proc/$1/stat" || return 0
  hs_s=${B}hs_s##*) }
  set -- $hs_s
  hs_st=${B}20}
}
# Timers are plain sleeps, children of this shell: the wait below wakes when one ends (CHLD).
hs_job= hs_stopping= hs_timer= hs_killer= hs_last=
stop() {
  [ -n "$hs_stopping" ] && return
  hs_stopping=1
  # Cancelled before the job started: stopped as soon as it has (below).
  [ -z "$hs_job" ] && return
  kill -TERM -$hs_job 2>/dev/null
  sleep "$hs_grace" & hs_killer=$!
}
timers() {
  if [ -n "$hs_timer" ] && ! kill -0 $hs_timer 2>/dev/null; then
    wait $hs_timer && put timed-out "{\"at\":$(now)}" && stop
    hs_timer=
  fi
  if [ -n "$hs_killer" ] && ! kill -0 $hs_killer 2>/dev/null; then
    wait $hs_killer && kill -KILL -$hs_job 2>/dev/null
    hs_killer=
  fi
}
trap 'hs_trapped=1; stop' TERM
# Caught rather than ignored, so that the job does not inherit them ignored.
trap 'hs_trapped=1' INT HUP CHLD
PATH=$hs_jp
"$hs_setsid" $hs_reset "$@" &
hs_job=$!
[ -n "$hs_stopping" ] && { hs_stopping=; stop; }
PATH=/usr/local/bin:/usr/bin:/bin
start_time $hs_job
hs_jst=$hs_st
start_time $$
hs_json="{\"pid\":$hs_job,\"watcherPid\":$$,\"startedAt\":$(now)"
[ -n "$hs_jst" ] && hs_json="$hs_json,\"startTime\":\"$hs_jst\""
[ -n "$hs_st" ] && hs_json="$hs_json,\"watcherStartTime\":\"$hs_st\""
[ -n "$hs_limit" ] && hs_json="$hs_json,\"timeLimitSeconds\":$hs_limit"
[ -n "$hs_mem" ] && hs_json="$hs_json,\"memoryBytes\":$hs_mem"
[ -n "$hs_enf" ] && hs_json="$hs_json,\"enforcement\":\"$hs_enf\""
put pid "$hs_json}"
rm -f "$hs_d/launch.taken"
[ -n "$hs_limit" ] && { sleep "$hs_limit" & hs_timer=$!; }
# A trapped signal ends a wait early; waiting again returns the job's own status (or 127
# when the job had already been reaped: its status is then the one before the signal).
while :; do
  hs_trapped=
  wait $hs_job
  hs_s=$?
  timers
  [ -n "$hs_trapped" ] || break
  [ $hs_s -eq 127 ] && [ -n "$hs_last" ] && { hs_s=$hs_last; break; }
  hs_last=$hs_s
done
hs_status=$hs_s
hs_finished=$(now)
if [ $hs_status -gt 128 ] && [ $hs_status -le 192 ]; then
  hs_exit_json="\"code\":null,\"signal\":\"SIG$(kill -l $((hs_status - 128)))\""
else
  hs_exit_json="\"code\":$hs_status,\"signal\":null"
fi
hs_oom=false
if [ -n "$hs_cg" ] && [ -r "$hs_cg/memory.events" ]; then
  while read -r hs_key hs_value; do
    [ "$hs_key" = oom_kill ] && [ "$hs_value" -gt 0 ] && hs_oom=true
  done < "$hs_cg/memory.events"
fi
put exit "{$hs_exit_json,\"oomKilled\":$hs_oom,\"finishedAt\":$hs_finished}"
# What the job left running in its group goes with it, as a scheduler would do.
if kill -0 -$hs_job 2>/dev/null; then
  kill -TERM -$hs_job 2>/dev/null
  hs_waited=0
  while [ $hs_waited -lt $hs_tenths ] && kill -0 -$hs_job 2>/dev/null; do
    sleep 0.1
    hs_waited=$((hs_waited + 1))
  done
  kill -KILL -$hs_job 2>/dev/null
fi
[ -n "$hs_timer" ] && kill $hs_timer 2>/dev/null
[ -n "$hs_killer" ] && kill $hs_killer 2>/dev/null
if [ -n "$hs_cg" ]; then
  echo 1 > "$hs_cg/cgroup.kill" 2>/dev/null
  hs_tries=0
  while [ -d "$hs_cg" ] && ! rmdir "$hs_cg" 2>/dev/null && [ $hs_tries -lt 50 ]; do
    sleep 0.1
    hs_tries=$((hs_tries + 1))
  done
fi
exit 0
`;
