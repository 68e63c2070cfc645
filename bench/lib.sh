# Shared by the bench scripts (sourced): the lab helper and side-by-side timing.
# Expects $top (the repository) and, for lab(), $lab_name.

# lab.sh with the lab name right after the subcommand: after `exec --` it would be part of the command.
lab() { local command=$1; shift; bash "$top/lab/lab.sh" "$command" --name "$lab_name" "$@"; }

# Median wall times and median CPU times (user + system of the command and its children) of each
# command over $runs runs (after one warm-up of each), run in turns so all meet the same load on a shared
# machine. Prints the walls, then the CPU times, in seconds, in the order of the commands. Exit codes 0,
# 1 and 3 are verdicts (vnetaudit check); any other fails the benchmark.
timeall() {
  python3 - "$runs" "$@" <<'PY'
import resource, shlex, subprocess, sys, time, statistics
runs = int(sys.argv[1]); cmds = [shlex.split(c) for c in sys.argv[2:]]
def run(cmd):
    code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if code not in (0, 1, 3):
        sys.exit(f"{' '.join(cmd)} exited {code}")
for cmd in cmds:
    run(cmd)
wall, cpu = [[] for _ in cmds], [[] for _ in cmds]
for _ in range(runs):
    for i, cmd in enumerate(cmds):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        run(cmd)
        wall[i].append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
print(" ".join(f"{statistics.median(t):.3f}" for t in wall + cpu))
PY
}
