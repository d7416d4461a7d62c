#!/usr/bin/env node
// Installs the official MCP Python SDK (`mcp` on PyPI, pinned) into a project-local venv for the MCP tests, next to
// the Temporal binaries' venv (scripts/install-temporal.mjs); kept between runs. MJ_MCP_PYTHON_VENV moves it.
// Usage: node scripts/ensure-mcp-python.mjs   (prints the venv's python path; exits non-zero when it cannot)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MCP_PYTHON_SDK_VERSION = '2.3.0';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the venv lives and its python. */
export function mcpPythonVenv(env = process.env) {
  const venv = env.MJ_MCP_PYTHON_VENV || path.join(root, '.temporal', 'mcp-python');
  return { venv, python: path.join(venv, 'bin', 'python') };
}

function installed(python) {
  if (!existsSync(python)) return false;
  const r = spawnSync(python, ['-c', 'import importlib.metadata as m; print(m.version("mcp"))'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === MCP_PYTHON_SDK_VERSION;
}

export function ensureMcpPython(env = process.env) {
  const { venv, python } = mcpPythonVenv(env);
  if (installed(python)) return python;
  const base = env.PYTHON ?? 'python3';
  if (!existsSync(python)) {
    const r = spawnSync(base, ['-m', 'venv', venv], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`could not create a Python venv at ${venv} with ${base}`);
  }
  const pip = spawnSync(
    python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', `mcp==${MCP_PYTHON_SDK_VERSION}`],
    { stdio: ['ignore', 'ignore', 'inherit'] }
  );
  if (pip.status !== 0 || !installed(python))
    throw new Error(`could not install mcp==${MCP_PYTHON_SDK_VERSION} into ${venv}`);
  return python;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureMcpPython());
  } catch (err) {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  }
}
