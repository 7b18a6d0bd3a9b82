#!/usr/bin/env python3
"""Runs test_browser.mjs: installs playwright-core from the registry with `npm ci` (the
lockfile beside this script; no browser download: Debian's Chromium is used) into the build
directory, then runs the test with node. Skips (77) where node, npm or Chromium is missing.

usage: run_browser.py TALKIE_EXE BUILD_DIR"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
exe, build = sys.argv[1], os.path.abspath(sys.argv[2])
chromium = os.environ.get('CHROMIUM', '/usr/bin/chromium')
if not shutil.which('node') or not shutil.which('npm') or not os.path.exists(chromium):
    print('node, npm or %s is missing: skipped' % chromium)
    sys.exit(77)

env = os.environ.copy()
# The sanitizer builds preload a helper into every test process; it is for talkie only, so
# node and Chromium run without it and talkie gets it back (test_browser.mjs).
if 'LD_PRELOAD' in env:
    env['TALKIE_LD_PRELOAD'] = env.pop('LD_PRELOAD')
env['PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD'] = '1'

npm_dir = os.path.join(build, 'npm')
os.makedirs(npm_dir, exist_ok=True)
lock = os.path.join(HERE, 'package-lock.json')
stamp = os.path.join(npm_dir, 'node_modules', '.talkie-lock')
want = open(lock).read()
if not os.path.exists(stamp) or open(stamp).read() != want:
    for name in ('package.json', 'package-lock.json'):
        shutil.copy(os.path.join(HERE, name), npm_dir)
    r = subprocess.run(['npm', 'ci', '--no-audit', '--no-fund', '--ignore-scripts'],
                       cwd=npm_dir, env=env)
    if r.returncode != 0:
        print('npm ci failed')
        sys.exit(1)
    with open(stamp, 'w') as f:
        f.write(want)

r = subprocess.run(['node', os.path.join(HERE, 'test_browser.mjs'), exe,
                    os.path.join(build, 'artifacts'), os.path.join(npm_dir, 'node_modules')],
                   env=env)
sys.exit(r.returncode)
