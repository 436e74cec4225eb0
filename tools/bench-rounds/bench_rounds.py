#!/usr/bin/env python3
"""Per-phase table of `modelwatch bench` logs, and how the phases' stream-thread CPU follows the machine.

Usage: python3 tools/bench-rounds/bench_rounds.py bench1.log [bench2.log ...] [--max-jit 2.5]

For every phase (b) windowed count and (c) modelwatch it prints the rate, the stream threads', JIT's and
RocksDB threads' CPU, the machine yardstick (alu, llc, mem, bw; ms of thread CPU for a fixed piece of
work) and the heap the stream threads allocated per input record. Then, per app and guarantee, over the
phases whose JIT took at most --max-jit seconds (still-compiling phases left out), Pearson's r between the
stream threads' CPU and each yardstick reading (how much of the rounds' spread is the machine's speed), and
the least-squares slope of the stream threads' CPU on alu, in % per 1% of alu.
"""
import re
import statistics
import sys

PHASE = re.compile(r'^(\[[^]]*\] )?\((b|c)\) ([^:]*): \d+ records in ([\d.]+) s = (\d+) records/s')
YARDSTICKS = ('alu', 'llc', 'mem', 'bw')


def number(pattern, line):
    m = re.search(pattern, line)
    return float(m.group(1)) if m else None


def phases(path):
    current = None
    for line in open(path, encoding='utf-8', errors='replace'):
        m = PHASE.match(line)
        if m:
            app = 'count' if m.group(2) == 'b' else 'modelwatch'
            guarantee = 'eos' if 'exactly_once' in m.group(3) else 'alos'
            current = {'log': path, 'tag': (m.group(1) or '').strip(), 'app': app, 'guarantee': guarantee,
                       'rate': int(m.group(5))}
        elif current and line.lstrip().startswith('CPU by thread:'):
            current['stream'] = number(r'StreamThread-N=([\d.]+)', line)
            current['jit'] = number(r'JIT=([\d.]+)', line)
            current['rocksdb'] = number(r'RocksDB=([\d.]+)', line)
            current['bytes'] = number(r'stream threads (\d+) B per input record', line)
            for y in YARDSTICKS:
                current[y] = number(r'\b%s=([\d.]+) ms' % y, line)
            yield current
            current = None


def pearson(xs, ys):
    mx, my = statistics.mean(xs), statistics.mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / (sxx * syy) ** 0.5 if sxx > 0 and syy > 0 else float('nan')


def elasticity(xs, ys):
    """Least-squares slope of xs on ys, as % change of xs per 1% change of ys at their means."""
    mx, my = statistics.mean(xs), statistics.mean(ys)
    syy = sum((y - my) ** 2 for y in ys)
    if syy == 0:
        return float('nan')
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / syy * my / mx


def main(argv):
    max_jit = 2.5
    if '--max-jit' in argv:
        i = argv.index('--max-jit')
        max_jit = float(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    if not argv:
        print(__doc__.strip())
        return 2
    rows = [p for path in argv for p in phases(path)]
    print('log\tphase\tapp\tguarantee\trecords/s\tstream s\tJIT s\tRocksDB s\t' + '\t'.join(YARDSTICKS)
          + '\tB/record')
    for p in rows:
        print('\t'.join(str(v) if v is not None else '-' for v in (
            p['log'], p['tag'] or '-', p['app'], p['guarantee'], p['rate'], p['stream'], p['jit'], p['rocksdb'],
            *(p[y] for y in YARDSTICKS), p['bytes'])))
    print()
    for app in ('modelwatch', 'count'):
        for guarantee in ('eos', 'alos'):
            sel = [p for p in rows if p['app'] == app and p['guarantee'] == guarantee and p['stream'] is not None
                   and p['jit'] is not None and p['jit'] <= max_jit and all(p[y] is not None for y in YARDSTICKS)]
            if len(sel) < 3:
                continue
            stream = [p['stream'] for p in sel]
            print('%s %s: %d phases with JIT <= %.1f s, stream threads %.1f to %.1f s; r(stream threads, yardstick): '
                  % (app, guarantee, len(sel), max_jit, min(stream), max(stream))
                  + ', '.join('%s %.2f' % (y, pearson(stream, [p[y] for p in sel])) for y in YARDSTICKS)
                  + '; %.1f%% more stream-thread CPU per 1%% slower alu' % elasticity(stream, [p['alu'] for p in sel]))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
