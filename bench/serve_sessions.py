#!/usr/bin/env python3
"""How many live sessions one talkie serve runs on time: N sessions (320x240, 30 frames/s,
each with its own lines posted through the JSON API) for 8 s; after 3 s of warm-up it counts,
per session, the frames sent and the frames the server had to skip because the encoder was
still busy at their time (a skipped frame is a late frame). A row per N, doubling N until
more than 0.1% of the frames are skipped.

usage: serve_sessions.py TALKIE_EXE MAX_N [--encoder lavc|compute]
(TALKIE_FONT in the environment: the font file to pass with --font)
env TALKIE_SERVE_ARGS: more options for talkie serve (e.g. "--audio none")"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests',
                                'web'))
from serve_util import Server, http  # noqa: E402

EXE, MAX_N = sys.argv[1], int(sys.argv[2])
ENCODER = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == '--encoder' else 'lavc'
LINES = ['Good morning, how can I help?', 'I would like to change my booking.',
         'Of course. Which date suits you?', 'Next Tuesday, in the afternoon.']


def stats(srv, ids):
    out = {}
    for sid in ids:
        code, body = http(srv.port, 'GET', '/api/sessions/' + sid)
        out[sid] = (body['frames_sent'], body['frames_skipped']) if code == 200 else (0, 0)
    return out


print('| sessions | frames sent | skipped | on time |\n|---|---|---|---|')
n = 1
while n <= MAX_N:
    font = ['--font', os.environ['TALKIE_FONT']] if os.environ.get('TALKIE_FONT') else []
    srv = Server(EXE, '--size', '320x240', '--encoder', ENCODER, '--session', 's0',
                 '--max-sessions', str(MAX_N), *font,
                 *os.environ.get('TALKIE_SERVE_ARGS', '').split())
    try:
        ids = ['s0']
        for i in range(1, n):
            code, body = http(srv.port, 'POST', '/api/sessions', {'id': 's%d' % i})
            if code not in (200, 201):
                raise RuntimeError('cannot create session %d: %s %s' % (i, code, body))
            ids.append('s%d' % i)
        for i, sid in enumerate(ids):
            http(srv.port, 'POST', '/api/sessions/%s/lines' % sid,
                 {'speaker': 'Agent' if i % 2 else 'Caller', 'text': LINES[i % 4]})
        time.sleep(3)
        before = stats(srv, ids)
        time.sleep(5)
        after = stats(srv, ids)
    finally:
        srv.stop()
    sent = sum(after[s][0] - before[s][0] for s in ids)
    skipped = sum(after[s][1] - before[s][1] for s in ids)
    on_time = sent / (sent + skipped) if sent + skipped else 0
    print('| %d | %d | %d | %.3f%% |' % (n, sent, skipped, 100 * on_time), flush=True)
    if on_time < 0.999 and n > 1:
        break
    n *= 2
