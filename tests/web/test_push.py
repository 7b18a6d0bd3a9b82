#!/usr/bin/env python3
"""Push to a media server: a private nginx with the RTMP module on a loopback port. talkie
serve --push and talkie render --push stream to it, ffprobe reads the stream back from nginx
(H.264 video and AAC audio); nginx is restarted mid-stream and talkie reconnects without ending
the session. A render with a voice (a tone one second into the turn) is recorded by nginx: the
recording has one video and one audio stream whose durations agree, and the tone starts at its
time next to the video. The same render pushed as MPEG-TS over UDP, recorded by ffmpeg: the
same checks.

usage: test_push.py TALKIE_EXE"""
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import struct
import tempfile
import time
import wave

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
                    'application live { live on; record off; } '
                    'application rec { live on; record all; record_path %s/rec; '
                    'record_unique off; } } }\n'
                    % (MODULE, workdir, workdir, port, workdir))
        os.makedirs(os.path.join(workdir, 'rec'), exist_ok=True)
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


VIDEO = ('video', 'h264', '160', '120')
AUDIO = ('audio', 'aac', '48000', '1')


def probe(url, tries=1):
    """The streams nginx serves, sorted: (type, codec, width, height) for video and
    (type, codec, sample rate, channels) for audio; None when nothing can be read."""
    for _ in range(tries):
        r = subprocess.run(['timeout', '12', 'ffprobe', '-v', 'error', '-show_entries',
                            'stream=codec_type,codec_name,width,height,sample_rate,channels',
                            '-of', 'json', url], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout.strip():
            out = []
            for st in json.loads(r.stdout).get('streams', []):
                if st.get('codec_type') == 'video':
                    out.append(('video', st['codec_name'], str(st['width']),
                                str(st['height'])))
                elif st.get('codec_type') == 'audio':
                    out.append(('audio', st['codec_name'], str(st['sample_rate']),
                                str(st['channels'])))
            if out:
                return sorted(out, reverse=True)
        time.sleep(0.5)
    return None


def write_tone_wav(path, rate, silence_s, tone_s, hz=440.0):
    """Mono s16: silence, then a tone."""
    n0, n1 = int(rate * silence_s), int(rate * tone_s)
    data = bytearray(2 * n0)
    for i in range(n1):
        data += struct.pack('<h', int(12000 * math.sin(2 * math.pi * hz * i / rate)))
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(data))


def stream_times(path):
    """{type: (start s, end s)} of each stream of a file, from its packets."""
    out = {}
    for kind, sel in (('video', 'v:0'), ('audio', 'a:0')):
        r = subprocess.run(['ffprobe', '-v', 'error', '-select_streams', sel, '-show_entries',
                            'packet=pts_time,duration_time', '-of', 'csv=p=0', path],
                           capture_output=True, text=True)
        pk = [l.split(',') for l in r.stdout.split() if l]
        if pk:
            out[kind] = (float(pk[0][0]), float(pk[-1][0]) + float(pk[-1][1]))
    return out


def tone_onset(path, rate=48000, decoder_trims=False):
    """Seconds from the file's time 0 to the first loud audio sample. The decoded samples
    start at the first packet's time, or at 0 where the container tells the decoder to drop
    the encoder's priming (MP4's edit list: decoder_trims)."""
    r = subprocess.run(['ffmpeg', '-v', 'error', '-copyts', '-i', path, '-map', '0:a:0',
                        '-f', 's16le', '-ac', '1', '-ar', str(rate), '-'],
                       capture_output=True)
    n = len(r.stdout) // 2
    samples = struct.unpack('<%dh' % n, r.stdout[:2 * n])
    start = 0 if decoder_trims else stream_times(path).get('audio', (0, 0))[0]
    for i, v in enumerate(samples):
        if abs(v) > 3000:
            return start + i / rate
    return None


def check_recording(path, label, ref_v, ref_onset):
    """One video and one audio stream in the recording at `path`, the video as long as the
    reference MP4's (ref_v: its start and end), audio and video ending together, and the
    tone starting as long after the first frame as in the MP4 (ref_onset)."""
    times = stream_times(path) if os.path.exists(path) else {}
    print('%s: recorded stream times (start, end):' % label, times)
    v, a = times.get('video'), times.get('audio')
    check(v is not None and a is not None, '%s: one video and one audio stream' % label)
    if not (v and a):
        return
    want = ref_v[1] - ref_v[0]
    check(abs((v[1] - v[0]) - want) < 0.04, '%s: the video lasts %.3f s as in the MP4: %.3f'
          % (label, want, v[1] - v[0]))
    # nginx forwards audio from around the video's first keyframe on: the audio may start
    # with the encoder's priming frame (21 ms before the video) or a few AAC frames after it,
    # depending on when nginx saw the keyframe; both end together (the same bounds hold for
    # the UDP copy)
    check(abs(a[1] - v[1]) < 0.025 and abs(a[0] - v[0]) < 0.07,
          '%s: the audio and video durations agree: audio %.3f..%.3f, video %.3f..%.3f'
          % (label, a[0], a[1], v[0], v[1]))
    onset = tone_onset(path)
    want = v[0] + ref_onset
    check(onset is not None and abs(onset - want) < 0.01,
          '%s: the tone starts %.3f s after the first frame, as in the MP4: %s'
          % (label, ref_onset, onset))


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
        check(got == [VIDEO, AUDIO], 'ffprobe reads the pushed stream, video and audio: %s' %
              (got,))

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
        check(got == [VIDEO, AUDIO], 'after nginx restarts, the stream is back: %s' % (got,))
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
        check(got == [VIDEO], 'render --push (no voice): ffprobe reads it: %s' % (got,))
        code = render.wait(timeout=30)
        check(code == 0, 'render --push ends cleanly (%s)' % code)

        # with a voice: the turn starts at 0.5 s, its tone 1 s into its audio
        write_tone_wav(os.path.join(work, 'tone.wav'), 22050, 1.0, 1.5)
        with open(conv, 'w') as f:
            f.write('{"speaker": "Ada", "text": "Silence.", "start": 0, "duration": 0.5}\n'
                    '{"speaker": "Grace", "text": "Then a tone.", "start": 0.5, '
                    '"audio": "tone.wav"}\n'
                    '{"speaker": "Ada", "text": "And after it.", "duration": 1}\n')
        aurl = 'rtmp://127.0.0.1:%d/rec/voice' % port
        render = subprocess.Popen([EXE, 'render', conv, '--push', aurl, '--size', '160x120',
                                   '--encoder', 'lavc', '--keyint', '15', '-q'])
        time.sleep(2.0)
        got = probe('rtmp://127.0.0.1:%d/rec/voice' % port, tries=3)
        check(got == [VIDEO, AUDIO], 'render --push with a voice: video and audio: %s' %
              (got,))
        code = render.wait(timeout=30)
        check(code == 0, 'render --push with a voice ends cleanly (%s)' % code)
        # the reference: the same conversation rendered to an MP4 file
        ref = os.path.join(work, 'voice.mp4')
        subprocess.run([EXE, 'render', conv, '-o', ref, '--size', '160x120', '--encoder',
                        'lavc', '-q'], check=True)
        ref_v = stream_times(ref)['video']
        ref_onset = tone_onset(ref, decoder_trims=True)
        print('reference MP4: video %.3f..%.3f s, tone at %.4f s' % (ref_v[0], ref_v[1],
                                                                    ref_onset))
        rec = os.path.join(work, 'rec', 'voice.flv')
        deadline = time.time() + 5  # nginx closes the recording when the publisher leaves
        while time.time() < deadline and not os.path.exists(rec):
            time.sleep(0.1)
        check_recording(rec, 'RTMP (nginx)', ref_v, ref_onset)

        # MPEG-TS over UDP: ffmpeg listens and copies what arrives into a file
        uport = free_port()
        ts_file = os.path.join(work, 'udp.ts')
        rec_udp = subprocess.Popen(['timeout', '30', 'ffmpeg', '-v', 'error', '-y', '-i',
                                    'udp://127.0.0.1:%d?timeout=3000000' % uport, '-map', '0',
                                    '-c', 'copy', '-f', 'mpegts', ts_file])
        time.sleep(0.5)
        code = subprocess.run([EXE, 'render', conv, '--push', 'udp://127.0.0.1:%d' % uport,
                               '--size', '160x120', '--encoder', 'lavc', '--keyint', '15',
                               '-q'], timeout=30).returncode
        check(code == 0, 'render --push udp:// ends cleanly (%s)' % code)
        rec_udp.wait(timeout=30)  # ends 3 s after the last datagram
        check_recording(ts_file, 'MPEG-TS over UDP', ref_v, ref_onset)
    finally:
        if srv:
            srv.stop()
        ngx.stop()
        shutil.rmtree(work, ignore_errors=True)
    print('%d failed' % len(FAILS))
    return 1 if FAILS else 0


if __name__ == '__main__':
    sys.exit(main())
