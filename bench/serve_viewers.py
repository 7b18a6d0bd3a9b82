#!/usr/bin/env python3
"""How many WebSocket viewers one talkie serve feeds on time: N raw viewers of one session
(320x240, 30 frames/s, lavc) read by one thread for 10 s; after 2 s of warm-up (viewers join
one by one) it counts frames per viewer, their worst lateness against the stream's pace,
frames the encoder skipped and frames dropped for viewers that fell behind.

usage: serve_viewers.py TALKIE_EXE N"""
import sys, time, selectors, struct, socket
sys.path.insert(0, __import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)), '..', 'tests', 'web'))
from serve_util import Server, WsClient, http, media_header
EXE, N = sys.argv[1], int(sys.argv[2])
srv = Server(EXE, '--size', '320x240', '--encoder', 'lavc', '--session', 'a', '--max-viewers', '2000')
vs = [WsClient(srv.port, '/s/a/stream') for _ in range(N)]
sel = selectors.DefaultSelector()
for v in vs:
    v.s.setblocking(False); sel.register(v.s, selectors.EVENT_READ, v)
got = {id(v): [] for v in vs}
def parse(v):
    out = []
    while True:
        b = v.buf
        if len(b) < 2: return out
        n = b[1] & 0x7f; off = 2
        if n == 126:
            if len(b) < 4: return out
            n = struct.unpack('>H', b[2:4])[0]; off = 4
        elif n == 127:
            if len(b) < 10: return out
            n = struct.unpack('>Q', b[2:10])[0]; off = 10
        if len(b) < off + n: return out
        out.append((b[0] & 15, b[off:off+n])); v.buf = b[off+n:]
t_warm = time.time() + 2
before = None
t_end = time.time() + 10
while time.time() < t_end:
    if before is None and time.time() > t_warm:
        before = http(srv.port, 'GET', '/api/sessions/a')[1]
        d0 = sum(v['dropped'] for v in before['viewers'])
        for k in got: got[k] = []
    for key, _ in sel.select(0.1):
        v = key.data
        try: v.buf += v.s.recv(1 << 20)
        except BlockingIOError: continue
        for op, data in parse(v):
            if op == 2: got[id(v)].append((time.monotonic(), media_header(data)['pts']))
after = http(srv.port, 'GET', '/api/sessions/a')[1]
fps = 30
lates = []; counts = []
for fr in got.values():
    counts.append(len(fr))
    if fr:
        t0, p0 = fr[0]
        lates.append(max(t - (t0 + (p - p0) / fps) for t, p in fr))
lates.sort(); counts.sort()
print('N', N, 'frames/viewer min', counts[0], 'median', counts[len(counts)//2], 'worst lateness ms p50 %.0f max %.0f' % (1000*lates[len(lates)//2], 1000*lates[-1]), 'skipped', after['frames_skipped'] - before['frames_skipped'], 'dropped', sum(v['dropped'] for v in after['viewers']) - d0, 'viewers', len(after['viewers']))
srv.stop()
