'use strict';
// Shared by the tests: the package from this folder, lavapipe unless told otherwise, and a
// temp folder per test file.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

process.env.VK_ICD_FILENAMES ??= '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json';

function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'talkie-node-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function hasModule(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

const talkie = require('..');

/** Small and fast: what most tests use. */
const SMALL = { width: 64, height: 48, fps: 30, encoder: 'lavc' };

module.exports = { talkie, tmpdir, hasModule, SMALL };
