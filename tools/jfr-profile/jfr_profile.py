#!/usr/bin/env python3
"""Where one group of threads spends its CPU in a JFR recording, over a chosen span of time.

Reads `jfr print --json --stack-depth 64 --events jdk.ExecutionSample REC.jfr` (mind the stack depth:
`jfr print` keeps only 5 frames unless told, and then no caller is seen) and prints, for the samples of
threads whose name contains --thread: the methods most often on top of the stack (self) and, for each
--frame given, the share of samples with that method anywhere on the stack (total). Standard library only.
"""
import argparse
import collections
import json


def frame_name(frame):
    return frame['method']['type']['name'].replace('/', '.') + '.' + frame['method']['name']


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('samples', help='JSON from jfr print --json --stack-depth 64 --events jdk.ExecutionSample')
    ap.add_argument('--thread', default='StreamThread', help='part of the thread names to keep')
    ap.add_argument('--not', dest='exclude', default='producer',
                    help='part of the thread names to leave out (default: the stream threads\' producer threads, '
                         'whose names contain StreamThread too)')
    ap.add_argument('--from', dest='start', default='', help='first sample time, ISO (e.g. 2026-12-05T19:01:45)')
    ap.add_argument('--to', dest='end', default='9999', help='last sample time, ISO')
    ap.add_argument('--top', type=int, default=25, help='how many self lines')
    ap.add_argument('--frame', action='append', default=[],
                    help='part of a class.method name whose total share to print (repeatable)')
    a = ap.parse_args()

    events = json.load(open(a.samples))['recording']['events']
    own = collections.Counter()
    total = collections.Counter()
    n = 0
    for e in events:
        v = e['values']
        if not (a.start <= v['startTime'] <= a.end):
            continue
        thread = (v.get('sampledThread') or {}).get('javaName') or ''
        frames = (v.get('stackTrace') or {}).get('frames') or []
        if a.thread not in thread or (a.exclude and a.exclude in thread) or not frames:
            continue
        n += 1
        names = [frame_name(f) for f in frames]
        own[names[0]] += 1
        for wanted in a.frame:
            if any(wanted in x for x in names):
                total[wanted] += 1
    print(f'samples {n} (threads "{a.thread}" but not "{a.exclude}", {a.start or "start"} .. {a.end if a.end != "9999" else "end"})')
    if n == 0:
        return
    print('self:')
    for name, c in own.most_common(a.top):
        print(f'  {100 * c / n:5.1f}%  {name}')
    if a.frame:
        print('total (on the stack anywhere):')
        for wanted in a.frame:
            print(f'  {100 * total[wanted] / n:5.1f}%  {wanted}')


if __name__ == '__main__':
    main()
