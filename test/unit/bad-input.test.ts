/**
 * Bad input at every entry point that needs no Temporal server: the CLI (in process, pointed at an address where
 * nothing listens, so a case that reached the network would exit 4, not 2), pipeline and batch files, webhook bodies,
 * the environment config, and the contract library's own request validation (nothing may reach the proxy).
 * Table-driven: each case asserts the error type and code, the field, and the rule. The integration twin
 * (`test/integration/bad-input.test.ts`) covers the client functions and update payloads against a real server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Agent, request } from 'undici';
import { main } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { MjClient } from '../../src/mj';
import { parseBatchSpec, parsePipelineSpec } from '../../src/pipeline';
import { MAX_BATCH_ITEMS, MAX_IMAGE_BYTES, MAX_PROMPT_LENGTH } from '../../src/shared/defaults';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhook/receiver';
import {
  expectRejection,
  markdownTable,
  rejectionFrom,
  type BadInputCase,
  type Rejection,
} from '../helpers/chaos-rejections';
import { fakeClient, taskBody, type FakeClient } from './webhook/fake-client';

const TOKEN = 'tok_5d0c8e2b7a914f36b1e0c9d2';
const LONG_PROMPT = 'a'.repeat(MAX_PROMPT_LENGTH + 1);
const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64'
);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
const asset = (contentType: string, key = 'masks/m.png') => ({ key, sha256: 'a'.repeat(64), size: 100, contentType });
const url = (n: number) => `https://example.com/${n}.png`;
const dataUrl = `data:image/png;base64,${PNG_1PX.toString('base64')}`;

const dir = mkdtempSync(path.join(tmpdir(), 'mj-bad-input-'));
const file = (name: string, content: string | Uint8Array) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

// ---- CLI -------------------------------------------------------------------------------------------------------

/** Runs the CLI in process with `--json`; answers as a Rejection (type `exit <code>`) or resolves for exit 0. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Rejection | { ok: true }> {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      out += String(chunk);
      cb();
    },
  });
  const code = await main(
    ['node', 'mj', ...args, '--json'],
    { TEMPORAL_ADDRESS: '127.0.0.1:1', MJ_ASSET_DIR: path.join(dir, 'assets'), ...env },
    { stdout: sink, stderr: sink as unknown as NodeJS.WriteStream }
  );
  if (code === 0) return { ok: true };
  const doc = JSON.parse(out) as {
    error: { code: string; message: string; field?: string; rule?: string; issues?: unknown[] };
  };
  const issue = doc.error.issues?.[0] as { path?: string; field?: string; rule: string; message?: string } | undefined;
  return {
    type: `exit ${code}`,
    code: doc.error.code,
    field: doc.error.field ?? issue?.path ?? issue?.field ?? '',
    rule: doc.error.rule ?? (issue ? `${issue.rule}${issue.message ? `: ${issue.message}` : ''}` : ''),
    message: doc.error.message,
  };
}

const pipelineFile = (name: string, steps: unknown[]) => file(name, JSON.stringify({ name: 'p', steps }));
const grid = { id: 'grid', imagine: { prompt: 'a cat' } };

const cliCases: BadInputCase[] = [
  {
    entry: 'CLI',
    input: 'imagine ""',
    run: () => cli(['imagine', '']),
    want: { type: 'exit 2', code: 'MJ_INVALID_INPUT', field: 'prompt', rule: /must be a non-empty string/ },
  },
  {
    entry: 'CLI',
    input: `imagine <${MAX_PROMPT_LENGTH + 1} characters>`,
    run: () => cli(['imagine', LONG_PROMPT]),
    want: { type: 'exit 2', code: 'MJ_INVALID_INPUT', field: 'prompt', rule: /at most 6000 characters/ },
  },
  {
    entry: 'CLI',
    input: 'imagine "a fox --oref <url> --v 6.1"',
    run: () => cli(['imagine', 'a fox --oref https://example.com/o.png --v 6.1']),
    want: {
      type: 'exit 2',
      code: 'MJ_INVALID_INPUT',
      field: 'prompt',
      rule: /--oref works only with V7.*oref-version/,
    },
  },
  {
    entry: 'CLI',
    input: 'blend <1 image>',
    run: () => cli(['blend', url(1)]),
    want: { type: 'exit 2', code: 'MJ_INVALID_INPUT', field: 'images', rule: /must hold 2 to 5 images/ },
  },
  {
    entry: 'CLI',
    input: 'blend <6 images>',
    run: () => cli(['blend', ...[1, 2, 3, 4, 5, 6].map(url)]),
    want: { type: 'exit 2', code: 'MJ_INVALID_INPUT', field: 'images', rule: /must hold 2 to 5 images/ },
  },
  {
    entry: 'CLI',
    input: 'modal <job> --mask photo.jpg (a JPEG)',
    run: () => cli(['modal', 'mj-job-x', '--prompt', 'a hat', '--mask', file('photo.jpg', JPEG)]),
    want: { type: 'exit 2', code: 'MJ_INVALID_INPUT', field: 'mask', rule: /must be a PNG image/ },
  },
  {
    entry: 'CLI',
    input: `modal <job> --mask big.png (${MAX_IMAGE_BYTES + 1} bytes)`,
    run: () =>
      cli([
        'modal',
        'mj-job-x',
        '--prompt',
        'a hat',
        '--mask',
        file('big.png', Buffer.concat([PNG_1PX, Buffer.alloc(MAX_IMAGE_BYTES + 1 - PNG_1PX.length)])),
      ]),
    want: { type: 'exit 2', code: 'MJ_INVALID_INPUT', field: 'mask', rule: /must be at most 10485760 bytes/ },
  },
  {
    entry: 'CLI',
    input: 'action <job> "zoom sideways"',
    run: () => cli(['action', 'mj-job-x', 'zoom', 'sideways']),
    want: { type: 'exit 2', code: 'MJ_INVALID_INPUT', field: 'intent', rule: /must be one of U1–U4, V1–V4/ },
  },
  {
    entry: 'CLI',
    input: 'pipeline <file whose step reads from a missing step>',
    run: () => cli(['pipeline', pipelineFile('missing.json', [grid, { id: 'up', from: 'nowhere', action: 'U1' }])]),
    want: { type: 'exit 2', code: 'PIPELINE_INVALID', field: 'steps[1].from', rule: /missing-step/ },
  },
  {
    entry: 'CLI',
    input: 'pipeline <file with a cycle>',
    run: () =>
      cli([
        'pipeline',
        pipelineFile('cycle.json', [grid, { id: 'a', from: 'b', action: 'U1' }, { id: 'b', from: 'a', action: 'U1' }]),
      ]),
    want: { type: 'exit 2', code: 'PIPELINE_INVALID', field: 'steps[1].from', rule: /cycle/ },
  },
  {
    entry: 'CLI',
    input: 'imagine x --mode SLOW',
    run: () => cli(['imagine', 'x', '--mode', 'SLOW']),
    want: { type: 'exit 2', code: 'CLI_INVALID_INPUT', field: '--mode', rule: /must be one of FAST, RELAX, TURBO/ },
  },
  {
    entry: 'CLI',
    input: 'config with MJ_WEBHOOK_TOKEN=short',
    run: () => cli(['config'], { MJ_WEBHOOK_TOKEN: 'short' }),
    want: {
      type: 'exit 2',
      code: 'CONFIG_INVALID',
      field: 'MJ_WEBHOOK_TOKEN',
      rule: /at least 24 URL-safe characters/,
    },
  },
];

// ---- pipeline and batch files ----------------------------------------------------------------------------------

const spec = (steps: unknown[]) => async () => parsePipelineSpec({ name: 'p', steps });
const ups = { id: 'ups', from: 'grid', action: 'U1' };

const fileCases: BadInputCase[] = [
  {
    entry: 'pipeline file',
    input: 'step "from" names a step that does not exist',
    run: spec([grid, { id: 'up', from: 'nowhere', action: 'U1' }]),
    want: { type: 'PipelineSpecError', code: 'PIPELINE_INVALID', field: 'steps[1].from', rule: /missing-step/ },
  },
  {
    entry: 'pipeline file',
    input: 'steps a → b → a (a cycle)',
    run: spec([grid, { id: 'a', from: 'b', action: 'U1' }, { id: 'b', from: 'a', action: 'U1' }]),
    want: { type: 'PipelineSpecError', code: 'PIPELINE_INVALID', field: 'steps[1].from', rule: /cycle/ },
  },
  {
    entry: 'pipeline file',
    input: 'action "zoom sideways" (unknown intent)',
    run: spec([grid, { id: 'z', from: 'grid', action: 'zoom sideways' }]),
    want: { type: 'PipelineSpecError', code: 'PIPELINE_INVALID', field: 'steps[1].action', rule: /unknown-intent/ },
  },
  {
    entry: 'pipeline file',
    input: '"zoom-out 2" on a grid (intent of another stage)',
    run: spec([grid, { id: 'z', from: 'grid', action: 'zoom-out 2' }]),
    want: { type: 'PipelineSpecError', code: 'PIPELINE_INVALID', field: 'steps[1].action', rule: /intent-not-offered/ },
  },
  {
    entry: 'pipeline file',
    input: '"U2" on an upscale (intent of another stage)',
    run: spec([grid, ups, { id: 'again', from: 'ups', action: ['zoom-out 2', 'U2'] }]),
    want: {
      type: 'PipelineSpecError',
      code: 'PIPELINE_INVALID',
      field: 'steps[2].action[1]',
      rule: /U2 is not a button of step "ups" \(its task is upscale/,
    },
  },
  {
    entry: 'pipeline file',
    input: '"U1" on a describe result (intent of another stage)',
    run: spec([
      { id: 'd', describe: { image: { url: url(1) } } },
      { id: 'u', from: 'd', action: 'U1' },
    ]),
    want: { type: 'PipelineSpecError', code: 'PIPELINE_INVALID', field: 'steps[1].action', rule: /intent-not-offered/ },
  },
  {
    entry: 'pipeline file',
    input: 'imagine prompt "   "',
    run: spec([{ id: 'grid', imagine: { prompt: '   ' } }]),
    want: {
      type: 'PipelineSpecError',
      code: 'PIPELINE_INVALID',
      field: 'steps[0].imagine.prompt',
      rule: /prompt-empty/,
    },
  },
  {
    entry: 'pipeline file',
    input: 'imagine prompt "a cat --chaos 200"',
    run: spec([{ id: 'grid', imagine: { prompt: 'a cat --chaos 200' } }]),
    want: {
      type: 'PipelineSpecError',
      code: 'PIPELINE_INVALID',
      field: 'steps[0].imagine.prompt',
      rule: /prompt-param/,
    },
  },
  {
    entry: 'pipeline file',
    input: `imagine prompt of ${MAX_PROMPT_LENGTH + 1} characters`,
    run: spec([{ id: 'grid', imagine: { prompt: LONG_PROMPT } }]),
    want: {
      type: 'PipelineSpecError',
      code: 'PIPELINE_INVALID',
      field: 'steps[0].imagine.prompt',
      rule: /prompt-too-long/,
    },
  },
  {
    entry: 'pipeline file',
    input: 'blend with 1 image',
    run: spec([{ id: 'b', blend: { images: [{ url: url(1) }] } }]),
    want: {
      type: 'PipelineSpecError',
      code: 'PIPELINE_INVALID',
      field: 'steps[0].blend.images',
      rule: /blend-image-count/,
    },
  },
  {
    entry: 'pipeline file',
    input: 'blend with 6 images',
    run: spec([{ id: 'b', blend: { images: [1, 2, 3, 4, 5, 6].map((n) => ({ url: url(n) })) } }]),
    want: {
      type: 'PipelineSpecError',
      code: 'PIPELINE_INVALID',
      field: 'steps[0].blend.images',
      rule: /blend-image-count/,
    },
  },
  {
    entry: 'pipeline file',
    input: 'vary-region mask that is a JPEG asset',
    run: spec([
      grid,
      ups,
      { id: 'r', from: 'ups', action: 'vary-region', input: { prompt: 'a hat', mask: asset('image/jpeg', 'm.jpg') } },
    ]),
    want: {
      type: 'PipelineSpecError',
      code: 'PIPELINE_INVALID',
      field: 'steps[2].input.mask.contentType',
      rule: /mask-not-png/,
    },
  },
  {
    entry: 'pipeline file',
    input: 'vary-region mask given inline as a data URL',
    run: spec([grid, ups, { id: 'r', from: 'ups', action: 'vary-region', input: { prompt: 'a hat', mask: dataUrl } }]),
    want: { type: 'PipelineSpecError', code: 'PIPELINE_INVALID', field: 'steps[2].input.mask', rule: /mask-not-asset/ },
  },
  {
    entry: 'pipeline file',
    input: 'two steps with the same id',
    run: spec([grid, { ...grid }]),
    want: { type: 'PipelineSpecError', code: 'PIPELINE_INVALID', field: 'steps[1].id', rule: /duplicate-step-id/ },
  },
  {
    entry: 'batch file',
    input: 'prompt file with a whitespace-only line between prompts',
    run: async () => parseBatchSpec({ prompts: ['a cat', ' \t '] }),
    want: { type: 'BatchSpecError', code: 'BATCH_INVALID', field: 'prompts[1]', rule: /prompt-empty/ },
  },
  {
    entry: 'batch file',
    input: `${MAX_BATCH_ITEMS + 1} prompts`,
    run: async () => parseBatchSpec(Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => `cat ${i}`).join('\n')),
    want: { type: 'BatchSpecError', code: 'BATCH_INVALID', field: '', rule: /too-many-items/ },
  },
];

// ---- environment config ----------------------------------------------------------------------------------------

const SECRET_LOOKING = 'c2VjcmV0LXRoYXQtaXMtbm90LTMyLWJ5dGVz';
const config = (env: Record<string, string>) => async () => loadConfig(env);

const configCases: BadInputCase[] = [
  {
    entry: 'environment config',
    input: 'MJ_BASE_URL=ftp://proxy',
    run: config({ MJ_BASE_URL: 'ftp://proxy' }),
    want: { type: 'ConfigError', code: 'CONFIG_INVALID', field: 'MJ_BASE_URL', rule: /must be an http\(s\) URL/ },
  },
  {
    entry: 'environment config',
    input: 'MJ_WEBHOOK_TOKEN=short',
    run: config({ MJ_WEBHOOK_TOKEN: 'short' }),
    want: { type: 'ConfigError', code: 'CONFIG_INVALID', field: 'MJ_WEBHOOK_TOKEN', rule: /at least 24 URL-safe/ },
  },
  {
    entry: 'environment config',
    input: 'MJ_ENCRYPTION_KEY=<base64 of 29 bytes>',
    run: config({ MJ_ENCRYPTION_KEY: SECRET_LOOKING }),
    want: { type: 'ConfigError', code: 'CONFIG_INVALID', field: 'MJ_ENCRYPTION_KEY', rule: /exactly 32 random bytes/ },
  },
  {
    entry: 'environment config',
    input: 'MJ_PUBLIC_BASE_URL set, MJ_WEBHOOK_TOKEN missing',
    run: config({ MJ_PUBLIC_BASE_URL: 'https://hooks.example.com' }),
    want: {
      type: 'ConfigError',
      code: 'CONFIG_INVALID',
      field: 'MJ_WEBHOOK_TOKEN',
      rule: /required when MJ_PUBLIC_BASE_URL/,
    },
  },
  {
    entry: 'environment config',
    input: 'MJ_WEBHOOK_MAX_BODY=0',
    run: config({ MJ_WEBHOOK_MAX_BODY: '0' }),
    want: {
      type: 'ConfigError',
      code: 'CONFIG_INVALID',
      field: 'MJ_WEBHOOK_MAX_BODY',
      rule: /must be an integer 1-16777216/,
    },
  },
  {
    entry: 'environment config',
    input: 'MJ_MODE=SLOW',
    run: config({ MJ_MODE: 'SLOW' }),
    want: { type: 'ConfigError', code: 'CONFIG_INVALID', field: 'MJ_MODE', rule: /must be one of FAST, RELAX, TURBO/ },
  },
  {
    entry: 'environment config',
    input: 'MJ_ASSET_STORE=s3 without bucket or keys',
    run: config({ MJ_ASSET_STORE: 's3', MJ_S3_ENDPOINT: 'http://minio:9000' }),
    want: {
      type: 'ConfigError',
      code: 'CONFIG_INVALID',
      field: 'MJ_S3_BUCKET',
      rule: /required when MJ_ASSET_STORE=s3/,
    },
  },
];

// ---- contract library: nothing reaches the proxy ----------------------------------------------------------------

let proxy: Server;
let proxyRequests = 0;
let mj: MjClient;

const contractCases: BadInputCase[] = [
  {
    entry: 'contract client (MjClient)',
    input: 'submitImagine with a 256-character state',
    run: () => mj.submitImagine({ prompt: 'a cat', state: 's'.repeat(256) }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'state', rule: /must be at most 255 characters/ },
  },
  {
    entry: 'contract client (MjClient)',
    input: `submitImagine with a ${MAX_PROMPT_LENGTH + 1}-character prompt`,
    run: () => mj.submitImagine({ prompt: LONG_PROMPT }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'prompt', rule: /must be at most 6000 characters/ },
  },
  {
    entry: 'contract client (MjClient)',
    input: 'submitImagine with an empty prompt',
    run: () => mj.submitImagine({ prompt: ' ' }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'prompt', rule: /must not be empty/ },
  },
  {
    entry: 'contract client (MjClient)',
    input: 'submitBlend with 1 image',
    run: () => mj.submitBlend({ base64Array: [dataUrl] }),
    want: {
      type: 'MjInputError',
      code: 'MJ_INVALID_INPUT',
      field: 'base64Array',
      rule: /must hold 2–5 images \(got 1\)/,
    },
  },
  {
    entry: 'contract client (MjClient)',
    input: 'submitBlend with 6 images',
    run: () => mj.submitBlend({ base64Array: Array<string>(6).fill(dataUrl) }),
    want: {
      type: 'MjInputError',
      code: 'MJ_INVALID_INPUT',
      field: 'base64Array',
      rule: /must hold 2–5 images \(got 6\)/,
    },
  },
  {
    entry: 'contract client (MjClient)',
    input: 'submitModal with a JPEG maskBase64',
    run: () =>
      mj.submitModal({ taskId: '1', prompt: 'a hat', maskBase64: `data:image/jpeg;base64,${JPEG.toString('base64')}` }),
    want: { type: 'MjInputError', code: 'MJ_INVALID_INPUT', field: 'maskBase64', rule: /png/i },
  },
];

// ---- webhook bodies --------------------------------------------------------------------------------------------

let fake: FakeClient;
let receiver: WebhookReceiver;
let agent: Agent;

/** POSTs to the receiver; answers as a Rejection (type `HTTP <status>`), resolves for 2xx. */
async function hook(
  body: string,
  opts: { contentType?: string; token?: string } = {}
): Promise<Rejection | { ok: true }> {
  const res = await request(`${receiver.url}/webhook/mj/${opts.token ?? TOKEN}`, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'content-type': opts.contentType ?? 'application/json' },
    body,
  });
  const text = await res.body.text();
  if (res.statusCode < 300) return { ok: true };
  const doc = text.startsWith('{') ? (JSON.parse(text) as { error?: string; issues?: string }) : { error: text.trim() };
  const m = /^([\w.[\]-]+): (.*)$/s.exec(doc.issues ?? '');
  return {
    type: `HTTP ${res.statusCode}`,
    code: doc.error ?? '',
    field: m ? m[1]! : 'body',
    rule: m ? m[2]! : (doc.error ?? ''),
    message: text,
  };
}

const webhookCases: BadInputCase[] = [
  {
    entry: 'webhook body',
    input: 'Content-Type: text/plain',
    run: () => hook(JSON.stringify(taskBody()), { contentType: 'text/plain' }),
    want: {
      type: 'HTTP 415',
      code: 'unsupported_media_type',
      field: 'content-type',
      rule: /must be application\/json/,
    },
  },
  {
    entry: 'webhook body',
    input: 'truncated JSON `{"id": `',
    run: () => hook('{"id": '),
    want: { type: 'HTTP 400', code: 'bad_request', field: 'body', rule: /must be valid JSON/ },
  },
  {
    entry: 'webhook body',
    input: 'a JSON array',
    run: () => hook('[1,2]'),
    want: { type: 'HTTP 400', code: 'bad_request', field: 'body', rule: /expected a task object, got an array/ },
  },
  {
    entry: 'webhook body',
    input: 'a task without "id"',
    run: () => hook(JSON.stringify({ ...taskBody(), id: undefined })),
    want: { type: 'HTTP 400', code: 'bad_request', field: 'id', rule: /Invalid input/ },
  },
  {
    entry: 'webhook body',
    input: 'a task with "id": ""',
    run: () => hook(JSON.stringify(taskBody({ id: '' }))),
    want: { type: 'HTTP 400', code: 'bad_request', field: 'id', rule: />=1 characters/ },
  },
  {
    entry: 'webhook body',
    input: 'a task whose "status" is an object',
    run: () => hook(JSON.stringify(taskBody({ status: {} }))),
    want: { type: 'HTTP 400', code: 'bad_request', field: 'status', rule: /Invalid input/ },
  },
  {
    entry: 'webhook body',
    input: 'a body over MJ_WEBHOOK_MAX_BODY (4 KiB here)',
    run: () => hook(JSON.stringify(taskBody({ prompt: 'x'.repeat(4_096) }))),
    want: { type: 'HTTP 413', code: 'body too large', field: 'body', rule: /body too large/ },
  },
];

// ---- the table -------------------------------------------------------------------------------------------------

const tried: { c: BadInputCase; got: Rejection }[] = [];

beforeAll(async () => {
  proxy = createServer((_req, res) => {
    proxyRequests++;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  mj = new MjClient({ baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, flavour: 'trueai' });
  fake = fakeClient();
  receiver = await startWebhookReceiver({ client: fake.client, token: TOKEN, port: 0, maxBodyBytes: 4_096 });
  agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
});

afterAll(async () => {
  await mj?.close();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await agent?.close();
  await receiver?.close();
  process.stdout.write(`\nbad input without a server (${tried.length} cases):\n${markdownTable(tried)}`);
});

describe.each([
  ['CLI', cliCases],
  ['pipeline and batch files', fileCases],
  ['environment config', configCases],
  ['contract client', contractCases],
  ['webhook bodies', webhookCases],
])('%s', (_name, cases) => {
  it.each(cases.map((c) => [c.input, c] as const))('%s', async (_input, c) => {
    const got = await rejectionFrom(c);
    tried.push({ c, got });
    expectRejection(got, c.want);
  });
});

describe('afterwards', () => {
  it('no rejected case reached the proxy or signalled a workflow, and config errors never echo a value', async () => {
    expect(tried).toHaveLength(
      cliCases.length + fileCases.length + configCases.length + contractCases.length + webhookCases.length
    );
    expect(proxyRequests).toBe(0);
    expect(fake.signals).toHaveLength(0);
    const err = await config({ MJ_ENCRYPTION_KEY: SECRET_LOOKING })().catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain(SECRET_LOOKING);
  });
});
