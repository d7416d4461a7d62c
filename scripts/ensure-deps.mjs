#!/usr/bin/env node
// Makes a fresh clone runnable: node_modules from the lockfile, then the pinned Temporal binaries.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');

const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.error('installing node_modules (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const { install } = await import('./install-temporal.mjs');
try {
  install({ ifMissing: true });
} catch (err) {
  console.error(String(err instanceof Error ? err.message : err));
  process.exit(1);
}
