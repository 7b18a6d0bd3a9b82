#!/usr/bin/env node
'use strict';
// An example agent: reads chat lines (a JSONL file, or stdin), says each one in a live talkie
// session, serves a page that plays the conversation over WebRTC (WHEP), and writes the same
// stream to a fragmented MP4 that ffprobe can read while it is being written.
//
//   node examples/node-agent/agent.js [conversation.jsonl | -] [--port 8080] [--mp4 live.mp4]
//        [--size 320x240] [--fps 25] [--exit-at-end]
//
// Input lines: {"speaker": "Ada", "text": "Hello"} (JSON, as the CLI reads) or "Ada: Hello".
// Open http://127.0.0.1:8080/ to watch. Ctrl-C ends it (the MP4 stays readable).
const fs = require('node:fs');
const http = require('node:http');
const readline = require('node:readline');
const { parseArgs } = require('node:util');
const talkie = require('../../node');
const { WhepEndpoint, playerPage } = require('../../node/lib/webrtc.js');

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    mp4: { type: 'string', default: 'live.mp4' },
    size: { type: 'string', default: '320x240' },
    fps: { type: 'string', default: '25' },
    encoder: { type: 'string', default: 'auto' },
    'exit-at-end': { type: 'boolean', default: false },
  },
});
const [width, height] = opts.size.split('x').map(Number);

function parseLine(line, lineNo) {
  const s = line.trim();
  if (!s) return null;
  if (s.startsWith('{')) {
    const j = JSON.parse(s);
    return { speaker: j.speaker, text: j.text, duration: j.duration };
  }
  const m = /^([^:]{1,64}):\s*(.+)$/.exec(s);
  if (!m) throw new Error(`line ${lineNo}: expected JSON or "Speaker: text"`);
  return { speaker: m[1].trim(), text: m[2] };
}

async function main() {
  const session = new talkie.Session({ width, height, fps: Number(opts.fps), encoder: opts.encoder });
  session.on('error', (err) => console.error(`agent: ${err.code}: ${err.message}`));
  const whep = new WhepEndpoint(session);
  whep.on('viewer', (v) => console.error(`agent: viewer ${v.id} joined`));
  const server = http.createServer(async (req, res) => {
    if (await whep.handle(req, res)) return;
    if (req.method === 'GET' && (req.url === '/' || req.url === '/index.html')) {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(playerPage({ title: 'talkie agent' }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(Number(opts.port), opts.host, r));
  const { port } = server.address();
  console.error(`agent: watch at http://${opts.host}:${port}/ (${session.width}x${session.height}, ` +
    `${session.encoder}); writing ${opts.mp4}`);
  console.log(JSON.stringify({ url: `http://${opts.host}:${port}/`, mp4: opts.mp4 }));

  // fragmented MP4: the init segment, then a fragment per frame (readable while written)
  const file = fs.createWriteStream(opts.mp4);
  const mp4Done = new Promise((r) => file.on('finish', r));
  session.fmp4().pipe(file);
  session.start();

  const input = positionals[0] && positionals[0] !== '-' ? fs.createReadStream(positionals[0]) : process.stdin;
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    try {
      const turn = parseLine(line, lineNo);
      if (!turn) continue;
      const { startMs, endMs } = session.say(turn);
      console.error(`agent: ${turn.speaker}: ${turn.text} (${(startMs / 1000).toFixed(1)} s .. ${(endMs / 1000).toFixed(1)} s)`);
    } catch (err) {
      console.error(`agent: ${err.message}`);
    }
  }

  const finish = async () => {
    await session.end();
    await mp4Done;
    whep.close();
    server.close();
    session.close();
  };
  process.once('SIGINT', () => finish().then(() => process.exit(0)));
  if (opts['exit-at-end']) {
    // the last line, plus a second, then stop
    const waitMs = Math.max(0, session.endMs + 1000 - session.timeMs);
    await new Promise((r) => setTimeout(r, waitMs));
    await finish();
  }
}

main().catch((err) => {
  console.error(`agent: ${err.stack || err}`);
  process.exit(1);
});
