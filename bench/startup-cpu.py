#!/usr/bin/env python3
"""Start-up CPU time (user + sys of each child, getrusage: microseconds, all threads) of
`node -e 0` and gallra's start-up commands in one or more builds, interleaved.

  python3 bench/startup-cpu.py RUNS BUNDLE_DIR [BUNDLE_DIR...]   # e.g. 15 dist/bundle
Writes a one-line combined log stamped a minute ago to a temp file and anonymises it.
"""
import datetime, os, resource, statistics, subprocess, sys, tempfile

runs = int(sys.argv[1])
builds = sys.argv[2:] or ['dist/bundle']
work = tempfile.mkdtemp(prefix='gallra-startup-')
line = os.path.join(work, 'one.log')
t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
with open(line, 'w') as f:
    f.write(f'81.6.12.34 - - [{t.strftime("%d/%b/%Y:%H:%M:%S")} +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8.5.0"\n')
env = dict(os.environ, GALLRA_STATE_DIR=os.path.join(work, 'state'))
cmds = {'node -e 0': ['node', '-e', '0']}
for b in builds:
    main = os.path.join(b, 'main.js')
    cmds[f'{b}: --help'] = ['node', main, '--help']
    cmds[f'{b}: anonymise --format combined'] = ['node', main, 'anonymise', '--format', 'combined', line]
    cmds[f'{b}: anonymise (auto)'] = ['node', main, 'anonymise', line]
res = {k: [] for k in cmds}
for _ in range(runs):
    for k, c in cmds.items():
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(c, stdout=subprocess.DEVNULL, env=env, check=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        res[k].append((r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime))
base = statistics.median([u + s for u, s in res['node -e 0']])
print('| command | median CPU ms (user+sys) | user | sys | best | × node -e 0 |')
print('|---|---|---|---|---|---|')
for k, v in res.items():
    m = statistics.median([u + s for u, s in v])
    print(f'| {k} | {m*1000:.0f} | {statistics.median([u for u, s in v])*1000:.0f} | {statistics.median([s for u, s in v])*1000:.0f} | {min(u + s for u, s in v)*1000:.0f} | {m/base:.2f} |')
