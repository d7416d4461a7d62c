#!/usr/bin/env node
// Prebuilds the workflow bundle from the compiled code (lib/workflows) into lib/workflow-bundle.js, so the worker
// image starts without webpack (MJ_WORKFLOW_BUNDLE points at it). Run after `npm run build`, in the same image.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import worker from '@temporalio/worker';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const workflowsPath = require.resolve(path.join(root, 'lib', 'workflows'));
const { code } = await worker.bundleWorkflowCode({ workflowsPath });
const out = path.join(root, 'lib', 'workflow-bundle.js');
await writeFile(out, code);
console.log(`wrote ${out} (${(code.length / 1024 / 1024).toFixed(2)} MiB)`);
