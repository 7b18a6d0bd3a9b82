'use strict';
// The package as users get it: ESM and CommonJS entries agree, `npm pack` makes a tarball that
// carries the prebuilt addon, and it installs (offline, nothing downloaded, no install script)
// and loads in a fresh folder.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { talkie, tmpdir } = require('./common.js');

const root = path.join(__dirname, '..');

test('ESM and CommonJS entries', async () => {
  const esm = await import('../index.mjs');
  assert.equal(esm.Session, talkie.Session);
  assert.equal(esm.default.render, talkie.render);
  assert.equal(typeof esm.version, 'string');
  const webrtc = await import('../webrtc.mjs');
  assert.equal(typeof webrtc.WhepEndpoint, 'function');
});

test('npm pack, then install the tarball in a fresh folder and load it', { timeout: 120000 }, (t) => {
  const dir = tmpdir(t);
  const env = { ...process.env, npm_config_cache: path.join(dir, 'npm-cache'),
    npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  if (process.env.TALKIE_NODE_ADDON) env.TALKIE_NODE_ADDON = process.env.TALKIE_NODE_ADDON;
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, env });
  const [info] = JSON.parse(out);
  const files = info.files.map((f) => f.path);
  assert.ok(files.includes(`prebuilds/${process.platform}-${process.arch}/talkie.node`), files.join(' '));
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('src/')));
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app","version":"1.0.0","private":true}');
  execFileSync('npm', ['install', '--offline', '--no-package-lock', path.join(dir, info.filename)],
    { cwd: app, env });
  const script = `
    const t = require('talkie');
    const s = new t.Session({ width: 64, height: 48, encoder: 'lavc' });
    s.close();
    import('talkie').then((m) => console.log(JSON.stringify({ v: t.version, esm: typeof m.Session })));`;
  const env2 = { ...process.env };
  delete env2.TALKIE_NODE_ADDON; // it must find its own copy
  const result = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: app, env: env2 }));
  assert.deepEqual(result, { v: talkie.version, esm: 'function' });
});
