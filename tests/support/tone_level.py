#!/usr/bin/python3
"""tone_level.py RAW START_BYTE END_BYTE HZ... - the level of each tone in a
stretch of raw 48 kHz stereo float32 audio (what SDL's disk audio driver
writes), by the Goertzel algorithm over the mono sum; prints one amplitude
per frequency (1.0 = a full-scale sine), space-separated."""
import math
import struct
import sys

RATE = 48000


def goertzel(x, hz):
    w = 2 * math.pi * hz / RATE
    c = 2 * math.cos(w)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - c * s1 * s2
    return 2 * math.sqrt(max(power, 0.0)) / len(x)


def main():
    path, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    start -= start % 8
    end -= end % 8
    with open(path, 'rb') as f:
        f.seek(start)
        data = f.read(max(0, end - start))
    n = len(data) // 8
    if n < RATE // 10:
        print('too short', file=sys.stderr)
        return 1
    vals = struct.unpack('<%df' % (2 * n), data[:8 * n])
    mono = [(vals[2 * i] + vals[2 * i + 1]) / 2 for i in range(n)]
    print(' '.join('%.5f' % goertzel(mono, float(h)) for h in sys.argv[4:]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
