"""Helpers for the talkie serve tests: start the server, HTTP requests, and a minimal
WebSocket client on raw sockets (so a test can be a viewer that reads slowly, or floods)."""
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time


class Server:
    def __init__(self, exe, *args, env=None):
        self.proc = subprocess.Popen(
            [exe, 'serve', '--port', '0', *args], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env or os.environ.copy())
        line = self.proc.stdout.readline()
        if not line.startswith('talkie serve: http://'):
            err = self.proc.stderr.read() if self.proc.poll() is not None else ''
            raise RuntimeError('server did not start: %r %s' % (line, err))
        self.url = line.split(' ', 2)[2].strip()
        host_port = self.url.split('//')[1].rstrip('/')
        self.host, port = host_port.rsplit(':', 1)
        self.port = int(port)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, timeout=20):
        """SIGTERM, then the exit status (the server must end cleanly)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError('server did not stop within %d s' % timeout)
        err = self.proc.stderr.read()
        if err:
            sys.stderr.write(err)
        return self.proc.returncode


def http(port, method, path, body=None, headers=None, raw_body=None, timeout=10):
    """One request on its own connection: (status, parsed JSON or text)."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    data = raw_body if raw_body is not None else (
        json.dumps(body).encode() if body is not None else b'')
    hdr = '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' % (method, path)
    for k, v in (headers or {}).items():
        hdr += '%s: %s\r\n' % (k, v)
    if method == 'POST':
        hdr += 'Content-Type: application/json\r\nContent-Length: %d\r\n' % len(data)
    s.sendall(hdr.encode() + b'\r\n')
    try:
        if data:
            s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before reading an oversized body
    resp = b''
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            resp += chunk
            if b'\r\n\r\n' in resp:
                head, _, rest = resp.partition(b'\r\n\r\n')
                cl = [l for l in head.split(b'\r\n') if l.lower().startswith(b'content-length:')]
                if cl and len(rest) >= int(cl[0].split(b':')[1]):
                    break
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    head, _, rest = resp.partition(b'\r\n\r\n')
    if not head:
        return 0, None
    status = int(head.split(b' ')[1])
    try:
        return status, json.loads(rest)
    except ValueError:
        return status, rest.decode('utf-8', 'replace')


class WsClient:
    """A WebSocket client: handshake, then frames. rcvbuf makes a small socket buffer, so a
    client that stops reading is slow at once."""

    def __init__(self, port, path, protocol='talkie-stream', rcvbuf=None, timeout=10):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(timeout)
        self.s.connect(('127.0.0.1', port))
        key = base64.b64encode(os.urandom(16)).decode()
        req = ('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
               'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
               'Sec-WebSocket-Version: 13\r\n' % (path, key))
        if protocol:
            req += 'Sec-WebSocket-Protocol: %s\r\n' % protocol
        self.s.sendall(req.encode() + b'\r\n')
        self.buf = b''
        while b'\r\n\r\n' not in self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise ConnectionError('closed during the handshake')
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b'\r\n\r\n')
        self.status = int(head.split(b' ')[1])
        if self.status != 101:
            raise ConnectionError('handshake answered %d' % self.status)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError('closed')
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        """(opcode, payload) of the next whole message."""
        b0, b1 = self._read(2)
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack('>H', self._read(2))[0]
        elif n == 127:
            n = struct.unpack('>Q', self._read(8))[0]
        return b0 & 0x0f, self._read(n)

    def send(self, payload, opcode=2):
        mask = os.urandom(4)
        n = len(payload)
        hdr = bytes([0x80 | opcode])
        if n < 126:
            hdr += bytes([0x80 | n])
        elif n < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack('>H', n)
        else:
            hdr += bytes([0x80 | 127]) + struct.pack('>Q', n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.s.sendall(hdr + mask + masked)

    def close(self):
        self.s.close()


def media_header(payload):
    """The 32-byte header of a media message (see tools/serve/page.html)."""
    t, key, hlen, line = struct.unpack_from('<BBHI', payload, 0)
    pts, enc_ms, line_ms = struct.unpack_from('<ddd', payload, 8)
    return {'type': t, 'key': key, 'hlen': hlen, 'line': line, 'pts': int(pts),
            'encode_ms': enc_ms, 'line_ms': line_ms}


def vulkan_or_skip(exe):
    """Exits 77 (skipped) where no Vulkan device exists."""
    r = subprocess.run([exe, 'devices'], capture_output=True, text=True)
    if r.returncode != 0 or 'no Vulkan' in r.stdout + r.stderr:
        print('no Vulkan device: skipped')
        sys.exit(77)
