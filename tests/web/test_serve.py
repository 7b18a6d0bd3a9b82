#!/usr/bin/env python3
"""talkie serve without a browser: the JSON API and its errors, tokens, WebSocket abuse, and
several viewers of one session, one of them too slow, while the encoder keeps its pace.

usage: test_serve.py TALKIE_EXE"""
import base64
import http.client as http_client
import json
import os
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Server, WsClient, http, media_header, vulkan_or_skip  # noqa: E402

EXE = sys.argv[1]
FAILS = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        FAILS.append(what)


def expect(port, method, path, status, code=None, **kw):
    st, body = http(port, method, path, **kw)
    ok = st == status and (code is None or (isinstance(body, dict) and body.get('code') == code))
    check(ok, '%s %s -> %d %s (got %d %s)' % (method, path, status, code or '', st,
                                              json.dumps(body)[:120] if body else body))
    return body


def ws_rejected(port, path):
    try:
        c = WsClient(port, path, timeout=5)
    except (ConnectionError, OSError):
        return True
    try:  # upgraded: it must be closed at once
        op, _ = c.recv()
        return op == 8
    except (ConnectionError, OSError):
        return True
    finally:
        c.close()


def api_errors(srv):
    p = srv.port
    expect(p, 'GET', '/api/sessions', 200)
    expect(p, 'POST', '/api/sessions', 201, body={'id': 'b'})
    expect(p, 'POST', '/api/sessions', 409, 'exists', body={'id': 'b'})
    expect(p, 'POST', '/api/sessions', 400, 'bad_request', body={'id': '../etc'})
    expect(p, 'POST', '/api/sessions', 400, 'bad_request', body={'id': 5})
    expect(p, 'POST', '/api/sessions', 503, 'too_many_sessions', body={})
    expect(p, 'POST', '/api/sessions/a/lines', 201, body={'speaker': 'Ada', 'text': 'Hi!'})
    expect(p, 'POST', '/api/sessions/a/lines', 400, 'bad_json', raw_body=b'{"speaker": ')
    expect(p, 'POST', '/api/sessions/a/lines', 400, 'bad_json', raw_body=b'[1, 2]')
    expect(p, 'POST', '/api/sessions/a/lines', 400, 'bad_json', raw_body=b'\xff\xfe{}')
    expect(p, 'POST', '/api/sessions/a/lines', 400, 'bad_request', body={'speaker': 'Ada'})
    expect(p, 'POST', '/api/sessions/a/lines', 400, 'bad_request',
           body={'speaker': 'A' * 65, 'text': 'x'})
    expect(p, 'POST', '/api/sessions/a/lines', 400, None,  # NUL: refused by the parser
           body={'speaker': 'Ada', 'text': 'a\u0000b'})
    expect(p, 'POST', '/api/sessions', 413, 'too_large', body={'id': 'x' * 20000})
    expect(p, 'POST', '/api/sessions/a/lines', 400, 'bad_request',
           body={'speaker': 'Ada', 'text': 'x' * 20000})
    expect(p, 'POST', '/api/sessions/a/lines', 413, 'too_large', raw_body=b' ' * 5000000)
    # a line with its voice: base64 s16le PCM
    pcm = base64.b64encode(struct.pack('<1600h', *([1000, -1000] * 800))).decode()
    expect(p, 'POST', '/api/sessions/a/lines', 201,
           body={'speaker': 'Ada', 'text': 'Voiced.',
                 'audio': {'pcm': pcm, 'sample_rate': 16000, 'channels': 1}})
    for what, audio, status, code in (
            ('not an object', 'abc', 400, 'bad_audio'),
            ('no rate', {'pcm': pcm}, 400, 'bad_audio'),
            ('a bad rate', {'pcm': pcm, 'sample_rate': 4000}, 400, 'bad_audio'),
            ('3 channels', {'pcm': pcm, 'sample_rate': 16000, 'channels': 3}, 400, 'bad_audio'),
            ('bad base64', {'pcm': 'abc!', 'sample_rate': 16000}, 400, 'bad_audio'),
            ('half a sample', {'pcm': base64.b64encode(b'abc').decode(), 'sample_rate': 16000},
             400, 'bad_audio'),
            ('half a stereo frame', {'pcm': base64.b64encode(b'ab').decode(),
                                     'sample_rate': 16000, 'channels': 2}, 400, 'bad_audio'),
            ('empty', {'pcm': '', 'sample_rate': 16000}, 400, 'bad_audio'),
            ('over 60 s', {'pcm': 'AAAA' * 700000, 'sample_rate': 8000}, 413, 'too_large')):
        st, body = http(p, 'POST', '/api/sessions/a/lines',
                        body={'speaker': 'Ada', 'text': 'x', 'audio': audio})
        check(st == status and isinstance(body, dict) and body.get('code') == code,
              'audio %s -> %d %s (got %s %s)' % (what, status, code, st, body))
    expect(p, 'GET', '/nowhere', 404, 'not_found')
    expect(p, 'GET', '/api/sessions/zzz', 404, 'no_session')
    expect(p, 'GET', '/s/zzz', 404, 'no_session')
    expect(p, 'POST', '/api/sessions/zzz/lines', 404, 'no_session',
           body={'speaker': 'Ada', 'text': 'x'})
    expect(p, 'POST', '/api/sessions/a/nope', 404, 'not_found', body={})
    expect(p, 'GET', '/api/sessions/a/lines', 405, 'method')
    expect(p, 'PUT', '/api/sessions', 405, 'method')
    st, page = http(p, 'GET', '/s/a')
    check(st == 200 and 'VideoDecoder' in page, 'GET /s/a -> the page')
    check(ws_rejected(p, '/s/zzz/stream'), 'WebSocket to an unknown session is refused')
    check(ws_rejected(p, '/s/a/stream?mode=bogus'), 'WebSocket with a bad mode is refused')
    try:
        WsClient(p, '/s/a/stream', protocol=None).close()
        check(False, 'WebSocket without the subprotocol is refused')
    except (ConnectionError, OSError):
        check(True, 'WebSocket without the subprotocol is refused')

    # a flood of messages, and one big message, each close that viewer only
    for what, payloads in (('a flood', [b'x'] * 200), ('a 64 KiB message', [b'x' * 65536])):
        c = WsClient(p, '/s/a/stream')
        closed = False
        try:
            for m in payloads:
                c.send(m)
            deadline = time.time() + 5
            while time.time() < deadline:
                op, _ = c.recv()
                if op == 8:
                    closed = True
                    break
        except (ConnectionError, OSError):
            closed = True
        c.close()
        check(closed, 'WebSocket %s is closed by the server' % what)

    # several requests through one client connection, as browsers send them (the server closes
    # after each answer, see http_api.c; the client opens the next connection itself)

    conn = http_client.HTTPConnection('127.0.0.1', p, timeout=10)
    codes = []
    for method, path, body in (('GET', '/api/sessions/a', None),
                               ('POST', '/api/sessions/a/lines', b'{"speaker":"Ada","text":"k"}'),
                               ('GET', '/favicon.ico', None),
                               ('POST', '/api/sessions/a/lines', b'{"speaker":"Ada","text":"j"}'),
                               ('POST', '/api/sessions/a/lines', b'{"speaker":')):
        conn.request(method, path, body=body)
        r = conn.getresponse()
        r.read()
        codes.append(r.status)
    conn.close()
    check(codes == [200, 201, 404, 201, 400], 'keep-alive requests: %s' % codes)

    expect(p, 'POST', '/api/sessions/b/close', 200, body={})
    expect(p, 'GET', '/api/sessions/b', 404, 'no_session')
    check(srv.alive(), 'the server survived the bad requests')


def read_viewer(port, seconds, out):
    c = WsClient(port, '/s/a/stream?mode=webcodecs')
    frames, audio = [], []
    end = time.time() + seconds
    try:
        while time.time() < end:
            op, data = c.recv()
            if op == 2:
                h = media_header(data)
                if h['type'] == 1:
                    frames.append((time.monotonic(), h))
                elif h['type'] == 4:  # audio: pts in samples, duration in encode_ms's place
                    audio.append(h)
    finally:
        c.close()
    out.append((frames, audio))


def viewers(srv):
    p = srv.port
    # the slow one connects first and never reads, with a tiny receive buffer
    slow = WsClient(p, '/s/a/stream', rcvbuf=4096)
    time.sleep(0.2)
    before = http(p, 'GET', '/api/sessions/a')[1]
    results = []
    threads = [threading.Thread(target=read_viewer, args=(p, 6.0, results)) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(8):  # lines make the picture (and the stream) change
        time.sleep(0.6)
        http(p, 'POST', '/api/sessions/a/lines', body={'speaker': 'Grace' if i % 2 else 'Ada',
             'text': 'Line number %d, said while several viewers watch.' % i})
    for t in threads:
        t.join()
    after = http(p, 'GET', '/api/sessions/a')[1]
    fps = after['fps_num'] / after['fps_den']
    skipped = after['frames_skipped'] - before['frames_skipped']
    # every frame the encoder made reaches every fast viewer: a gap in the frame numbers is a
    # frame the server skipped (its timer starved of CPU), which no viewer can have
    audios = [a for _, a in results]
    results = [f for f, _ in results]
    all_pts = [set(h['pts'] for _, h in frames) for frames in results]
    common = set.intersection(*all_pts) if all_pts else set()
    for n, frames in enumerate(results):
        pts = [h['pts'] for _, h in frames]
        check(len(frames) > 0 and frames[0][1]['key'] == 1,
              'viewer %d starts at a keyframe' % n)
        gaps = sum(b - a - 1 for a, b in zip(pts, pts[1:]) if b != a + 1)
        ordered = all(b > a for a, b in zip(pts, pts[1:]))
        check(ordered and gaps <= skipped,
              'viewer %d: every frame made, in order (%d frames, %d missing, %d skipped by '
              'the server)' % (n, len(pts), gaps, skipped))
        overlap = [q for q in pts if pts[0] + 10 <= q <= pts[-1] - 10]
        check(all(q in common for q in overlap),
              'viewer %d got the same frames as the others' % n)
        check(len(pts) >= 0.8 * 5.5 * fps, 'viewer %d got %d frames in 6 s' % (n, len(pts)))
        t0, h0 = frames[0]
        late = [t - (t0 + (h['pts'] - h0['pts']) / fps) for t, h in frames]
        check(max(late) < 0.4, 'viewer %d: frames on time (latest %.0f ms behind its pace)' %
              (n, 1000 * max(late)))
    for n, (frames, audio) in enumerate(zip(results, audios)):
        # the audio (AAC, 48 kHz) follows without a gap and keeps pace with the video
        contiguous = all(b['pts'] == a['pts'] + int(a['encode_ms'])
                         for a, b in zip(audio, audio[1:]))
        v_end = (frames[-1][1]['pts'] + 1) / fps if frames else 0
        a_end = (audio[-1]['pts'] + audio[-1]['encode_ms']) / 48000 if audio else 0
        check(len(audio) > 0 and contiguous and abs(a_end - v_end) < 0.1,
              'viewer %d: %d audio packets, contiguous, ending at %.3f s with the video (%.3f)'
              % (n, len(audio), a_end, v_end))
    slow_stats = [v for v in after['viewers'] if v['dropped'] > 0]
    check(len(slow_stats) == 1 or len(after['viewers']) == 0,
          'the slow viewer skipped frames or was dropped: %s' % after['viewers'])
    # the encoder keeps its pace: it never waits for a viewer, so it skips a frame only when
    # the whole machine is starved (other builds on these 2 cores): a few at most
    window = int(6 * fps)
    check(skipped <= window // 20, 'the encoder skipped %d of %d frames' % (skipped, window))
    ti = after['tick_interval_ms']
    check(abs(ti['p50'] - 1000 / fps) < 0.1 * 1000 / fps,
          'frame timer interval p50 %.1f ms (p99 %.1f ms)' % (ti['p50'], ti['p99']))
    print('encode ms p50 %.2f p99 %.2f; server line->packet ms p50 %.2f p99 %.2f' % (
        after['encode_ms']['p50'], after['encode_ms']['p99'], after['line_ms']['p50'],
        after['line_ms']['p99']))
    slow.close()


def tokens():
    token = 'secret-token-123'
    srv = Server(EXE, '--host', '0.0.0.0', '--allow-remote', '--token', token, '--size',
                 '160x120', '--encoder', 'lavc', '--session', 'a')
    try:
        p = srv.port
        expect(p, 'GET', '/api/sessions', 401, 'unauthorized')
        expect(p, 'GET', '/api/sessions', 401, 'unauthorized',
               headers={'Authorization': 'Bearer wrong-token-123'})
        expect(p, 'GET', '/s/a?token=nope', 401, 'unauthorized')
        expect(p, 'POST', '/api/sessions/a/lines', 401, 'unauthorized',
               body={'speaker': 'Ada', 'text': 'x'})
        expect(p, 'GET', '/api/sessions', 200, headers={'Authorization': 'Bearer ' + token})
        expect(p, 'GET', '/s/a?token=' + token, 200)
        expect(p, 'POST', '/api/sessions/a/lines', 201, body={'speaker': 'Ada', 'text': 'x'},
               headers={'Authorization': 'Bearer ' + token})
        check(ws_rejected(p, '/s/a/stream'), 'WebSocket without the token is refused')
        check(ws_rejected(p, '/s/a/stream?token=wrong'), 'WebSocket with a wrong token is refused')
        c = WsClient(p, '/s/a/stream?token=' + token)
        op, data = c.recv()
        check(op == 1 and json.loads(data)['type'] == 'hello', 'WebSocket with the token plays')
        c.close()
    finally:
        check(srv.stop() == 0, 'token server stops cleanly')
    import subprocess
    r = subprocess.run([EXE, 'serve', '--host', '0.0.0.0'], capture_output=True, text=True)
    check(r.returncode == 2 and 'allow-remote' in r.stderr, 'a non-loopback host needs a flag')
    r = subprocess.run([EXE, 'serve', '--host', '0.0.0.0', '--allow-remote'],
                       capture_output=True, text=True)
    check(r.returncode == 2 and 'token' in r.stderr, '... and a token')
    for args, what in ((['--audio', 'mp3'], 'an unknown audio codec'),
                       (['--tts', 'festival'], 'an unknown speech engine'),
                       (['--audio', 'opus', '--push', 'rtmp://127.0.0.1:1/x'],
                        'Opus with --push (RTMP and MPEG-TS carry AAC)')):
        r = subprocess.run([EXE, 'serve', *args], capture_output=True, text=True)
        check(r.returncode == 2 and args[1] in r.stderr, '%s is a usage error' % what)


def main():
    vulkan_or_skip(EXE)
    srv = Server(EXE, '--size', '256x144', '--encoder', 'lavc', '--qp', '8', '--keyint', '10',
                 '--session', 'a', '--max-sessions', '2')
    try:
        api_errors(srv)
        viewers(srv)
        check(srv.alive(), 'the server is still running')
    finally:
        check(srv.stop() == 0, 'the server stops cleanly on SIGTERM')
    tokens()
    print('%d failed' % len(FAILS))
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
