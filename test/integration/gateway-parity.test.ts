/**
 * Field parity: every operation the gateway accepts, run through the gateway against the simulator in each of its
 * flavours; our task JSON is compared field by field with the simulator's own JSON of the same upstream task. A field
 * may differ only when `PROXY_TASK_OWN_FIELDS` (task-view.ts, the table in docs/gateway.md) says the gateway answers its own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { readImageHeader } from '../../src/assets';
import { classifyButton, parseTask } from '../../src/mj';
import type { IntentSpec, MjTask } from '../../src/mj/types';
import { JOB_MEMO_KEY, type JobMemo } from '../../src/shared/job-memo';
import { jobWorkflowId } from '../../src/tenancy/task-id';
import { PROXY_TASK_OWN_FIELDS, type ProxyTask } from '../../src/gateway/tasks/task-view';
import { NUMBER_EMOJI } from '../../src/simulator/content';
import { supports, type EndpointKey } from '../../src/simulator/flavour';
import type { MjFlavour as SimFlavour } from '../../src/mj/terms/flavours';
import { call, startGatewayStack, waitForStatus, type GatewayStack } from '../helpers/gateway-harness';

jest.setTimeout(300_000);

const TENANT = 'parity';

function png(w = 8, h = 8, white = false): string {
  const p = new PNG({ width: w, height: h });
  p.data.fill(white ? 255 : 0);
  for (let i = 3; i < p.data.length; i += 4) p.data[i] = 255;
  return `data:image/png;base64,${PNG.sync.write(p).toString('base64')}`;
}

/** The upstream's task, parsed, with its `properties` as sent. */
type Upstream = MjTask & { rawProperties: Record<string, unknown> };

/** A finished task of ours and the upstream's JSON of the same task (none when the upstream refused the submit). */
interface Pair {
  ours: ProxyTask;
  upstream?: Upstream;
}

interface Ctx {
  stack: GatewayStack;
  key: string;
  flavour: SimFlavour;
  /** Callback deliveries received (bodies parsed), and the notifyHook URL that receives them. */
  delivered: (ProxyTask & { sequence: number })[];
  hook: string;
  /** Finished tasks by op name, for ops that press their buttons. */
  done: Map<string, Promise<Pair>>;
}

/** One operation: the upstream endpoints it needs, the op whose result it starts from, and how to submit it. */
interface Op {
  name: string;
  needs: EndpointKey[];
  after?: string;
  /** Submits; answers our task id (and the modal body when the task waits in MODAL for a person). */
  submit(ctx: Ctx, parent?: ProxyTask): Promise<{ id: string; modal?: Record<string, unknown> }>;
  /** FAILURE expected (a scripted failure). */
  fails?: boolean;
  /** Flavours that refuse the op's customId before any upstream task exists (new-api: `unknown_action`). */
  refusedBy?: SimFlavour[];
}

async function submit(
  ctx: Ctx,
  endpoint: string,
  body: Record<string, unknown>
): Promise<{ id: string; code: number }> {
  const r = await call(ctx.stack, 'POST', `/mj/submit/${endpoint}`, { key: ctx.key, body });
  if (r.json?.code !== 1 && r.json?.code !== 21) throw new Error(`${endpoint}: ${r.text}`);
  return { id: r.json.result, code: r.json.code };
}

/** Presses the parent's button of this intent kind (the first one). */
function press(
  kind: IntentSpec['kind'],
  modal?: (parent: ProxyTask) => Promise<Record<string, unknown>>
): Op['submit'] {
  return async (ctx, parent) => {
    const b = parent!.buttons.find((x) => classifyButton(x).kind === kind);
    if (!b) throw new Error(`no ${kind} button on ${parent!.action}: ${parent!.buttons.map((x) => x.customId).join()}`);
    const r = await submit(ctx, 'action', { taskId: parent!.id, customId: b.customId });
    return { id: r.id, ...(r.code === 21 && modal ? { modal: await modal(parent!) } : {}) };
  };
}

const ACTION: EndpointKey[] = ['submit/action'];
const MODAL: EndpointKey[] = ['submit/action', 'submit/modal'];

const OPS: Op[] = [
  { name: 'imagine', needs: ['submit/imagine'], submit: async (c) => submit(c, 'imagine', { prompt: 'a parity fox' }) },
  {
    name: 'imagine (failure)',
    needs: ['submit/imagine'],
    fails: true,
    submit: async (c) => submit(c, 'imagine', { prompt: 'a parity fox --sim-fail invalid-parameter' }),
  },
  {
    name: 'change U2',
    needs: ['submit/change'],
    after: 'imagine',
    submit: async (c, p) => submit(c, 'change', { taskId: p!.id, action: 'UPSCALE', index: 2 }),
  },
  { name: 'upscale', needs: ACTION, after: 'imagine', submit: press('upscale') },
  { name: 'variation', needs: ACTION, after: 'imagine', submit: press('variation') },
  { name: 'reroll', needs: ACTION, after: 'imagine', submit: press('reroll') },
  { name: 'upscale-hd', needs: ACTION, after: 'upscale', submit: press('upscale-hd') },
  { name: 'vary-subtle', needs: ACTION, after: 'upscale', submit: press('vary-subtle') },
  { name: 'vary-strong', needs: ACTION, after: 'upscale', submit: press('vary-strong') },
  { name: 'zoom-out', needs: ACTION, after: 'upscale', submit: press('zoom-out') },
  { name: 'pan', needs: ACTION, after: 'upscale', submit: press('pan') },
  {
    name: 'vary-region (modal)',
    needs: MODAL,
    after: 'upscale',
    submit: press('vary-region', async (parent) => {
      // The mask has the size of the image it masks (the gateway reads it from the parent's header).
      const { width, height } = readImageHeader(new Uint8Array(await (await fetch(parent.imageUrl!)).arrayBuffer()))!;
      return { prompt: 'a red hat', maskBase64: png(width, height, true) };
    }),
  },
  { name: 'custom-zoom (modal)', needs: MODAL, after: 'upscale', submit: press('custom-zoom', async () => ({})) },
  {
    name: 'animate',
    needs: ['submit/action', 'submit/video'],
    after: 'upscale',
    refusedBy: ['gateway'],
    submit: press('animate'),
  },
  {
    name: 'blend',
    needs: ['submit/blend'],
    submit: async (c) => submit(c, 'blend', { base64Array: [png(), png(8, 8, true)] }),
  },
  {
    name: 'describe',
    needs: ['submit/describe'],
    submit: async (c) => submit(c, 'describe', { base64: png(), notifyHook: c.hook }),
  },
  {
    name: 'describe-pick (modal)',
    needs: MODAL,
    after: 'describe',
    refusedBy: ['gateway'],
    submit: press('describe-pick', async () => ({ prompt: 'the picked prompt' })),
  },
  {
    name: 'shorten',
    needs: ['submit/shorten'],
    submit: async (c) =>
      submit(c, 'shorten', {
        prompt: 'a very long and wordy prompt about a lighthouse on a cliff at dusk, cinematic',
        notifyHook: c.hook,
      }),
  },
  { name: 'shorten-pick', needs: ACTION, after: 'shorten', refusedBy: ['gateway'], submit: press('shorten-pick') },
  {
    name: 'edits',
    needs: ['submit/edits'],
    submit: async (c) => submit(c, 'edits', { prompt: 'a blue door', image: png() }),
  },
  {
    name: 'video',
    needs: ['submit/video'],
    submit: async (c) => submit(c, 'video', { prompt: 'the fox runs', image: png(), motion: 'low' }),
  },
];

/** The callback delivery of the task's terminal change; waits for it (deliveries follow the change). */
async function terminalDelivery(ctx: Ctx, id: string): Promise<ProxyTask & { sequence: number }> {
  for (let i = 0; i < 600; i++) {
    const last = ctx.delivered.filter((d) => d.id === id).sort((a, b) => b.sequence - a.sequence)[0];
    if (last && (last.status === 'SUCCESS' || last.status === 'FAILURE')) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no terminal callback for ${id}: ${JSON.stringify(ctx.delivered.filter((d) => d.id === id))}`);
}

/**
 * The upstream task of one of our tasks: the simulator's JSON as its fetch would answer it now, parsed, and the raw
 * `properties` (read here, not through our parser, so a parser that drops a result text fails the comparison).
 */
async function upstreamOf(ctx: Ctx, ours: ProxyTask): Promise<Upstream> {
  const d = await ctx.stack.env.client.workflow.getHandle(jobWorkflowId(TENANT, ours.id)).describe();
  const memo = d.memo?.[JOB_MEMO_KEY] as JobMemo | undefined;
  if (!memo?.taskId) throw new Error(`task ${ours.id} has no upstream task id in its memo`);
  const raw = ctx.stack.sim.task(memo.taskId) as { properties?: Record<string, unknown> };
  return { ...parseTask(raw), rawProperties: raw.properties ?? {} };
}

async function run(ctx: Ctx, op: Op): Promise<Pair> {
  const parent = op.after ? (await ctx.done.get(op.after)!).ours : undefined;
  const { id, modal } = await op.submit(ctx, parent);
  const refused = op.refusedBy?.includes(ctx.flavour) ?? false;
  if (modal) {
    await waitForStatus(ctx.stack, ctx.key, id, ['MODAL']);
    const m = await call(ctx.stack, 'POST', '/mj/submit/modal', { key: ctx.key, body: { taskId: id, ...modal } });
    // A refused press answers the modal with the refusal (code 4); otherwise the task keeps its id.
    if (!refused) expect(m.json).toMatchObject({ code: 1, result: id });
  }
  if (refused) {
    await waitForStatus(ctx.stack, ctx.key, id, ['FAILURE'], 120_000);
    return { ours: (await call(ctx.stack, 'GET', `/mj/task/${id}/fetch`, { key: ctx.key })).json as ProxyTask };
  }
  await waitForStatus(ctx.stack, ctx.key, id, ['SUCCESS', 'FAILURE'], 120_000);
  const ours = (await call(ctx.stack, 'GET', `/mj/task/${id}/fetch`, { key: ctx.key })).json as ProxyTask;
  return { ours, upstream: await upstreamOf(ctx, ours) };
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** What the upstream said, in the shape of our task JSON (the parser's nulls as the contract's empty values). */
function expectedFromUpstream(t: Upstream): Omit<ProxyTask, 'properties'> & { properties: Record<string, unknown> } {
  return {
    id: t.id,
    action: t.action,
    status: t.status,
    prompt: t.prompt,
    promptEn: t.promptEn,
    description: t.description,
    state: t.state ?? '',
    submitTime: t.submitTime ?? 0,
    startTime: t.startTime,
    finishTime: t.finishTime,
    progress: t.progress,
    imageUrl: t.imageUrl,
    imageUrls: t.imageUrls,
    videoUrl: t.videoUrl,
    videoUrls: t.videoUrls,
    failReason: t.failReason ?? '',
    parentId: t.parentId,
    mode: t.mode ?? '',
    // Ours (PROXY_TASK_OWN_FIELDS): the seed the job read, which the upstream's task JSON does not carry.
    seed: null,
    buttons: t.buttons,
    properties: { finalPrompt: text(t.rawProperties.finalPrompt), finalZhPrompt: text(t.rawProperties.finalZhPrompt) },
  };
}

const FLAVOURS: SimFlavour[] = ['trueai', 'plus', 'novicezk', 'gateway'];

describe.each(FLAVOURS)('%s', (flavour) => {
  const ops = OPS.filter((op) => op.needs.every((e) => supports(flavour, e)));
  const ctx = { flavour, done: new Map(), delivered: [] as Ctx['delivered'] } as Ctx;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      ctx.delivered.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Ctx['delivered'][number]);
      res.writeHead(200).end('ok');
    });
  });

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    ctx.hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    ctx.stack = await startGatewayStack({
      sim: { flavour, ...(flavour === 'gateway' ? { gateway: { refreshMs: 0, duplicateRows: false } } : {}) },
      env: { MJ_FLAVOUR: flavour, ...(flavour === 'gateway' ? { MJ_REFRESH_INTERVAL: '0s' } : {}) },
      gateway: { allowPrivateHooks: true },
    });
    ctx.key = (await ctx.stack.gateway.tenants.createKey(TENANT)).apiKey;
    // Every op at once, each after the op it starts from; a failure is reported by that op's test.
    for (const op of ops) {
      const p = run(ctx, op);
      p.catch(() => undefined);
      ctx.done.set(op.name, p);
    }
  });
  afterAll(async () => {
    await ctx.stack?.stop();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  test.each(ops.map((op) => [op.name, op] as const))(
    '%s: every field the upstream said, but our own',
    async (_, op) => {
      const { ours, upstream } = await ctx.done.get(op.name)!;
      if (op.refusedBy?.includes(flavour)) {
        // No upstream task to compare with: the refusal's own words are the failReason.
        expect(ours).toMatchObject({ status: 'FAILURE', progress: '100%' });
        expect(ours.failReason).toContain('unknown_action');
        return;
      }
      expect(upstream).toBeDefined();
      expect(ours.status).toBe(op.fails ? 'FAILURE' : 'SUCCESS');
      const expected = expectedFromUpstream(upstream!);
      for (const field of Object.keys(expected) as (keyof ProxyTask)[]) {
        if (field in PROXY_TASK_OWN_FIELDS) continue;
        // Sub-fields of `properties` the gateway answers on its own are named `properties.<key>` in the table.
        const value =
          field === 'properties'
            ? Object.fromEntries(
                Object.entries(ours.properties).filter(([k]) => !(`properties.${k}` in PROXY_TASK_OWN_FIELDS))
              )
            : ours[field];
        expect({ field, value }).toEqual({ field, value: expected[field] });
      }
      // description: the upstream's, naming our ids where it names upstream task ids.
      const parent = op.after ? await ctx.done.get(op.after)! : undefined;
      let description = upstream!.description.split(upstream!.id).join(ours.id);
      if (parent?.upstream) description = description.split(parent.upstream.id).join(parent.ours.id);
      expect(ours.description).toBe(description);
      if (parent?.upstream) expect(ours.description).not.toContain(parent.upstream.id);
      expect(ours.description).not.toContain(upstream!.id);
      // The result texts are the upstream's in the real format, so a parser that drops them fails here.
      if (op.name === 'describe') {
        expect(ours.properties.finalPrompt.startsWith(`${NUMBER_EMOJI[0]} `)).toBe(true);
        for (const e of NUMBER_EMOJI.slice(0, 4)) expect(ours.properties.finalPrompt).toContain(e);
      }
      if (op.name === 'shorten') expect(ours.properties.finalPrompt).toContain('## Shortened prompts');
      // A callback carries the task JSON fetch answers (and its sequence).
      if (op.name === 'describe' || op.name === 'shorten') {
        const { sequence, ...delivered } = await terminalDelivery(ctx, ours.id);
        expect(sequence).toBeGreaterThan(0);
        expect(delivered).toEqual(ours);
      }
      // plus and new-api add the Chinese twin (contract §11); it is its own text, not a copy of finalPrompt.
      if ((op.name === 'describe' || op.name === 'shorten') && (flavour === 'plus' || flavour === 'gateway')) {
        expect(ours.properties.finalZhPrompt).toMatch(/[\u4e00-\u9fff]/);
        expect(ours.properties.finalZhPrompt).not.toBe(ours.properties.finalPrompt);
      }
    }
  );

  if (supports(flavour, 'task/image-seed')) {
    test("image-seed: the upstream's seed of the task", async () => {
      const { ours, upstream } = await ctx.done.get('imagine')!;
      const theirs = (await fetch(`${ctx.stack.sim.url}/mj/task/${upstream!.id}/image-seed`).then((r) => r.json())) as {
        result: unknown;
      };
      const r = await call(ctx.stack, 'GET', `/mj/task/${ours.id}/image-seed`, { key: ctx.key });
      expect(theirs).toMatchObject({ code: 1, result: expect.any(String) });
      expect(r.json).toMatchObject({ code: 1, result: theirs.result });
    });
  }
});
