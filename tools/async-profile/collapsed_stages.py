#!/usr/bin/env python3
"""Where the stream threads spend their CPU, from async-profiler's collapsed stacks (one file, or a directory of
the files that `loop=5s` writes, one per 5 s), per file and in all. Python 3 standard library only.

Each sample is put under the innermost frame of modelwatch (else of Kafka Streams) on its stack, with what that frame
was in below it: rocksdb (RocksDB's JNI and native code), kafka-clients (producer or consumer), or java (the Java
method on top of the stack). --frame NAME also gives the share of samples with NAME anywhere on their stack.
"""
import argparse
import collections
import os
import sys


def stage_of(frames):
    """(innermost modelwatch or Kafka Streams frame, what it was in) for one stack, root first."""
    inner, at = None, -1
    for prefix in ('io/modelwatch/', 'org/apache/kafka/streams/'):
        for i, f in enumerate(frames):
            if f.startswith(prefix):
                inner, at = f, i
        if inner is not None:
            break
    if inner is None:
        return (frames[1] if len(frames) > 1 else '?'), 'other'
    below = frames[at + 1:]
    for f in below:
        if 'rocksdb' in f.lower():
            return inner, 'rocksdb'
        if f.startswith('org/apache/kafka/clients') or f.startswith('org/apache/kafka/common/network'):
            return inner, 'kafka-clients'
    return inner, 'java' + (': ' + below[-1].rsplit('/', 1)[-1] if below else '')


def short(name):
    return name.replace('io/modelwatch/', '').replace('org/apache/kafka/streams/', 'streams/')


def read(path, thread, exclude):
    """Counter of (stage, region) -> samples, and the samples per --frame, for the threads chosen."""
    stages = collections.Counter()
    total = 0
    stacks = []
    with open(path) as f:
        for line in f:
            stack, _, n = line.rstrip('\n').rpartition(' ')
            if not stack or not n.isdigit():
                continue
            frames = stack.split(';')
            name = frames[0]
            if thread not in name or any(x in name for x in exclude):
                continue
            n = int(n)
            total += n
            stages[stage_of(frames)] += n
            stacks.append((frames, n))
    return total, stages, stacks


def report(title, total, stages, stacks, top, names):
    print(f'== {title}: {total} samples')
    for (inner, region), n in stages.most_common(top):
        print(f'  {n:7d} {100.0 * n / max(1, total):5.1f}%  {short(inner)} | {region}')
    for name in names:
        n = sum(c for frames, c in stacks if any(name in f for f in frames))
        print(f'  with {name} on the stack: {n} ({100.0 * n / max(1, total):.1f}%)')


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('path', help='a collapsed file, or a directory of them (async-profiler loop=5s)')
    p.add_argument('--thread', default='StreamThread', help='threads whose name contains this (default StreamThread)')
    p.add_argument('--not', dest='exclude', action='append', default=None,
                   help="leave out threads whose name contains this (default 'producer': the stream threads' "
                        "producer network threads carry StreamThread in their names too)")
    p.add_argument('--top', type=int, default=12)
    p.add_argument('--frame', action='append', default=[], help='also the share with this frame on the stack')
    p.add_argument('--from', dest='lo', default='', help='only files whose name sorts at or after this')
    p.add_argument('--to', dest='hi', default='~', help='only files whose name sorts at or before this')
    p.add_argument('--all-only', action='store_true', help='the sum over the files only')
    a = p.parse_args()
    exclude = a.exclude if a.exclude is not None else ['producer']
    if os.path.isdir(a.path):
        files = [os.path.join(a.path, n) for n in sorted(os.listdir(a.path)) if a.lo <= n <= a.hi]
    else:
        files = [a.path]
    if not files:
        sys.exit(f'no collapsed files in {a.path}')
    grand_total, grand_stages, grand_stacks = 0, collections.Counter(), []
    for path in files:
        total, stages, stacks = read(path, a.thread, exclude)
        if len(files) > 1 and not a.all_only:
            report(os.path.basename(path), total, stages, stacks, a.top, a.frame)
        grand_total += total
        grand_stages.update(stages)
        grand_stacks.extend(stacks)
    report(f'all of {len(files)} file(s)', grand_total, grand_stages, grand_stacks, a.top, a.frame)


if __name__ == '__main__':
    main()
