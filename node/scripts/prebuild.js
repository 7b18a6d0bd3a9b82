'use strict';
// Run by `npm pack` (prepack): copies the talkie.node that meson built into
// prebuilds/<platform>-<arch>/, so that the tarball carries it and an installed package loads
// without compiling or downloading anything. Which build: $TALKIE_NODE_ADDON, else the first
// of ../build, ../build-test, ../build-release that has one.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const candidates = [process.env.TALKIE_NODE_ADDON,
  ...['build', 'build-test', 'build-release'].map((d) => path.join(root, '..', d, 'node', 'talkie.node'))];
const from = candidates.find((f) => f && fs.existsSync(f));
if (!from) {
  console.error('prebuild: no talkie.node: build talkie first (ninja -C build)');
  process.exit(1);
}
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
fs.copyFileSync(from, path.join(dir, 'talkie.node'));
console.error(`prebuild: ${path.relative(root, from)} -> ${path.relative(root, dir)}/talkie.node`);
