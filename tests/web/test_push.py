#!/usr/bin/env python3
"""Push to a media server: a private nginx with the RTMP module on a loopback port. talkie
serve --push and talkie render --push stream to it, ffprobe reads the stream back from nginx;
nginx is restarted mid-stream and talkie reconnects without ending the session.

usage: test_push.py TALKIE_EXE"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Server, http, vulkan_or_skip  # noqa: E402

EXE = sys.argv[1]
MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so'
FAILS = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        FAILS.append(what)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Nginx:
    def __init__(self, workdir, port):
        self.dir, self.port = workdir, port
        os.makedirs(os.path.join(workdir, 'logs'), exist_ok=True)
        self.conf = os.path.join(workdir, 'nginx.conf')
        with open(self.conf, 'w') as f:
            f.write('load_module %s;\ndaemon off;\nmaster_process off;\nworker_processes 1;\n'
                    'error_log %s/logs/error.log;\npid %s/nginx.pid;\n'
                    'events { worker_connections 64; }\n'
                    'rtmp { server { listen 127.0.0.1:%d; '
                    'application live { live on; record off; } } }\n'
                    % (MODULE, workdir, workdir, port))
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([shutil.which('nginx') or '/usr/sbin/nginx', '-p', self.dir,
                                      '-c', self.conf], stderr=subprocess.DEVNULL)
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError('nginx did not start')

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def probe(url, tries=1):
    """(codec, width, height) of the stream nginx serves, or None."""
    for _ in range(tries):
        r = subprocess.run(['timeout', '12', 'ffprobe', '-v', 'error', '-show_entries',
                            'stream=codec_name,width,height', '-of', 'csv=p=0', url],
                           capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip():
            return tuple(r.stdout.strip().splitlines()[0].split(','))
        time.sleep(0.5)
    return None


def main():
    vulkan_or_skip(EXE)
    if not (shutil.which('nginx') or os.path.exists('/usr/sbin/nginx')) or \
            not os.path.exists(MODULE) or not shutil.which('ffprobe'):
        print('nginx with the RTMP module, or ffprobe, is missing: skipped')
        return 77
    work = tempfile.mkdtemp(prefix='talkie-nginx-')
    port = free_port()
    ngx = Nginx(work, port)
    srv = None
    try:
        ngx.start()
        url = 'rtmp://127.0.0.1:%d/live/serve' % port
        srv = Server(EXE, '--size', '160x120', '--encoder', 'lavc', '--keyint', '15',
                     '--push', url)
        time.sleep(1.0)
        got = probe(url, tries=3)
        check(got == ('h264', '160', '120'), 'ffprobe reads the pushed stream: %s' % (got,))

        ngx.stop()
        time.sleep(1.5)
        st, body = http(srv.port, 'GET', '/api/sessions/main')
        sent = body['frames_sent'] if st == 200 else -1
        time.sleep(0.5)
        st, body = http(srv.port, 'GET', '/api/sessions/main')
        check(st == 200 and body['frames_sent'] > sent,
              'the session goes on while the media server is away')
        ngx.start()
        got = probe(url, tries=6)  # reconnects within the back-off (at most 2 s by now)
        check(got == ('h264', '160', '120'), 'after nginx restarts, the stream is back: %s' %
              (got,))
        check(srv.alive(), 'talkie serve is still running')
        code = srv.stop()
        srv = None
        check(code == 0, 'talkie serve stops cleanly (%s)' % code)

        # talkie render --push: a short conversation, sent at its frame rate
        conv = os.path.join(work, 'conv.jsonl')
        with open(conv, 'w') as f:
            f.write('{"speaker": "Ada", "text": "Pushed live.", "start": 0, "duration": 2}\n'
                    '{"speaker": "Grace", "text": "Through nginx.", "duration": 2}\n'
                    '{"speaker": "Ada", "text": "Read back by ffprobe.", "duration": 3}\n')
        rurl = 'rtmp://127.0.0.1:%d/live/render' % port
        render = subprocess.Popen([EXE, 'render', conv, '--push', rurl, '--size', '160x120',
                                   '--encoder', 'lavc', '--keyint', '15', '-q'])
        time.sleep(2.0)  # the device opens, then the stream is published
        got = probe(rurl, tries=3)
        check(got == ('h264', '160', '120'), 'render --push: ffprobe reads it: %s' % (got,))
        code = render.wait(timeout=30)
        check(code == 0, 'render --push ends cleanly (%s)' % code)
    finally:
        if srv:
            srv.stop()
        ngx.stop()
        shutil.rmtree(work, ignore_errors=True)
    print('%d failed' % len(FAILS))
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
