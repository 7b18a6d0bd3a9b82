'use strict';
// Finds and loads talkie.node, the addon built by talkie's meson build (node/src/addon.c).
// Order: $TALKIE_NODE_ADDON; the build folders of a source checkout (build/, build-test/,
// build-release/ next to node/); the prebuilt copy an installed package carries
// (prebuilds/<platform>-<arch>/talkie.node, put there by `npm pack`).
const fs = require('node:fs');
const path = require('node:path');

function candidates() {
  const list = [];
  if (process.env.TALKIE_NODE_ADDON) list.push(process.env.TALKIE_NODE_ADDON);
  const root = path.join(__dirname, '..');
  for (const dir of ['build', 'build-test', 'build-release'])
    list.push(path.join(root, '..', dir, 'node', 'talkie.node'));
  list.push(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'talkie.node'));
  return list;
}

function load() {
  const tried = candidates();
  for (const file of tried) {
    if (fs.existsSync(file)) return require(file);
  }
  const err = new Error('talkie.node was not found; build it with meson (ninja -C build) ' +
    'or set TALKIE_NODE_ADDON. Looked in:\n  ' + tried.join('\n  '));
  err.code = 'ERR_TALKIE_ADDON_NOT_FOUND';
  throw err;
}

module.exports = load();
