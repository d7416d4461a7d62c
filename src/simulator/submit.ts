/**
 * `/mj/submit/*` handlers. Validation order and messages follow the contract per flavour; every task-creating path
 * goes through `launch()`, which applies admission faults, content policy, queue capacity and the 1/22 answer.
 */
import type { SpeedMode } from '../mj/types';
import { speedModeOf } from '../mj/terms/speed-modes';
import { planCustomId, type Op } from './buttons';
import { describeLines, shortenLines } from './content';
import type { SimCore, TaskInit } from './core';
import { actionName, MSG, type EndpointKey } from './flavour';
import { isPng, parseDataUrl } from './images';
import { findBannedWord, parsePrompt, stripSpeedFlags, type ParsedPrompt } from './prompt';
import { reject, submitResult, trueaiLogicError, type Reply } from './responses';
import type { SimModalKind, SimTask, TaskPlan, UploadRef } from './task';

/** A parsed `/mj` call. */
export interface MjCall {
  key: EndpointKey;
  /** The id in the path (fetch, cancel, image-seed). */
  id?: string;
  body: Record<string, unknown>;
  /** Mode from a `/mj-fast`, `/mj-turbo` or `/mj-relax` prefix. */
  prefixMode?: SpeedMode;
}

interface Common {
  state: string | null;
  notifyHook: string | null;
  account: string | undefined;
  filterMode: SpeedMode | undefined;
  filterRemix: boolean;
  botType: 'MID_JOURNEY' | 'NIJI_JOURNEY';
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && 'status' in v && typeof (v as Reply).status === 'number';
}

function readCommon(core: SimCore, call: MjCall): Common | Reply {
  const b = call.body;
  const state = str(b.state) ?? null;
  const notifyHook = str(b.notifyHook) || null;
  if (core.flavour === 'trueai') {
    const problem =
      state && state.length > 255
        ? 'state 长度不能超过 255'
        : notifyHook && notifyHook.length > 2000
          ? 'notifyHook 长度不能超过 2000'
          : null;
    // Only T's /imagine turns its LogicException into a SubmitResultVO; the rest leak the other envelope.
    if (problem)
      return call.key === 'submit/imagine' ? reject('trueai', 4, problem) : trueaiLogicError(problem, core.now());
  }
  const filter =
    core.flavour !== 'novicezk' && typeof b.accountFilter === 'object' && b.accountFilter
      ? (b.accountFilter as Record<string, unknown>)
      : {};
  const modes: unknown[] = Array.isArray(filter.modes) ? filter.modes : [];
  const bot = String(b.botType ?? '').toUpperCase();
  return {
    state,
    notifyHook,
    account: str(filter.instanceId) || undefined,
    filterMode: modes.length > 0 ? speedModeOf(String(modes[0])) : undefined,
    filterRemix: filter.remix === true,
    botType: core.flavour !== 'novicezk' && (bot === 'NIJI_JOURNEY' || bot === 'NIJI') ? 'NIJI_JOURNEY' : 'MID_JOURNEY',
  };
}

/** Path prefix, then accountFilter.modes[0], then a prompt flag (or the parent's mode), then FAST (contract §12). */
function pickMode(call: MjCall, c: Common, fallback?: SpeedMode): { mode: SpeedMode; requestMode: SpeedMode | null } {
  const requested = call.prefixMode ?? c.filterMode ?? fallback ?? null;
  return { mode: requested ?? 'FAST', requestMode: requested };
}

/** What every submit that is not a button press gives its task from the request: state, hook, account, mode, bot. */
function fromRequest(call: MjCall, c: Common, parsed: ParsedPrompt, speedFlag?: SpeedMode) {
  return {
    state: c.state,
    notifyHook: c.notifyHook,
    account: c.account ?? 'default',
    ...pickMode(call, c, speedFlag),
    botType: c.botType,
    parsed,
  };
}

function parse(core: SimCore, prompt: string, niji: boolean): ParsedPrompt | Reply {
  try {
    return parsePrompt(prompt, core.opts.defaultVersion, niji);
  } catch (err) {
    return reject(core.flavour, 4, (err as Error).message);
  }
}

function markersPlan(parsed: ParsedPrompt): TaskPlan {
  const { fail, timeout } = parsed.markers;
  if (fail) return { outcome: 'fail', cause: fail, stage: fail === 'internal' ? 'mid' : 'submitted' };
  if (timeout) return { outcome: 'timeout' };
  return { outcome: 'success' };
}

/** T refuses banned words itself before Discord; behind plus and gateways MidJourney's moderator refuses. */
function bannedPlan(core: SimCore): TaskPlan {
  return { outcome: 'fail', cause: 'banned-word', stage: core.flavour === 'trueai' ? 'pre-start' : 'submitted' };
}

function queueFull(core: SimCore, account: string): Reply {
  if (core.flavour === 'trueai') return reject('trueai', 9, MSG.queueFullT);
  return reject(core.flavour, 23, MSG.queueFullJava, { properties: { discordInstanceId: account } });
}

function acceptedProps(core: SimCore, account: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return core.flavour === 'trueai'
    ? { discordInstanceId: account, discordChannelId: account, ...extra }
    : { discordInstanceId: account, ...extra };
}

function accepted(core: SimCore, task: SimTask, ahead: number | null): Reply {
  if (ahead === null) return submitResult(core.flavour, 1, MSG.submitted, task.id, acceptedProps(core, task.account));
  return submitResult(
    core.flavour,
    22,
    MSG.queued(ahead),
    task.id,
    acceptedProps(core, task.account, { numberOfQueues: ahead })
  );
}

/** Faults that refuse a submit before anything is created. */
function admissionFault(
  core: SimCore,
  call: MjCall,
  state: string | null,
  taskIds: (string | undefined)[],
  account: string
): Reply | undefined {
  const fault = core.faults.take(['queue-full', 'code3-no-instance'], { endpoint: call.key, state, taskIds });
  if (fault?.kind === 'queue-full') return queueFull(core, account);
  if (fault?.kind === 'code3-no-instance') return reject(core.flavour, 3, MSG.noInstance);
  return undefined;
}

/** Creates and queues a task, or explains why not. */
function launch(core: SimCore, call: MjCall, init: TaskInit, banned: string | undefined): Reply {
  const site = { endpoint: call.key, state: init.state, taskIds: [init.parent?.id] };
  const refused = admissionFault(core, call, init.state, site.taskIds, init.account);
  if (refused) return refused;
  const fault = core.faults.take(['content-policy', 'upstream-timeout'], site);
  if (fault?.kind === 'content-policy') banned ??= '';
  if (banned !== undefined) {
    if (core.flavour === 'novicezk') {
      return reject('novicezk', 24, MSG.banned, {
        properties: { promptEn: init.promptEn ?? init.prompt, bannedWord: banned },
      });
    }
    init.plan = bannedPlan(core);
  }
  if (fault?.kind === 'upstream-timeout') init.plan = { outcome: 'timeout' };
  if (!core.engine.hasRoom(init.account, init.mode)) return queueFull(core, init.account);
  const task = core.newTask(init);
  return accepted(core, task, core.engine.enqueue(task));
}

/** Reads data URLs; undefined entries mean a bad one. */
function readImages(list: unknown): { bytes: Buffer; contentType: string }[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const out = list.map(parseDataUrl);
  return out.every((x) => x !== undefined) ? (out as { bytes: Buffer; contentType: string }[]) : undefined;
}

/** An image given as URL, data URL or bare base64 (T adds the PNG prefix to bare base64). */
function readImageInput(core: SimCore, v: unknown): { upload?: UploadRef; link?: string } | undefined {
  const s = str(v)?.trim();
  if (!s) return undefined;
  if (/^https?:\/\//i.test(s)) return { link: s };
  const data = parseDataUrl(s.startsWith('data:') ? s : `data:image/png;base64,${s}`);
  return data ? { upload: core.storeUploads([data])[0] } : undefined;
}

/** `/submit/imagine`: a prompt plus optional reference images. */
export function imagine(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const prompt = str(call.body.prompt)?.trim() ?? '';
  if (!prompt)
    return reject(core.flavour, 4, 'prompt不能为空', { gatewayOwn: true, gatewayDescription: 'prompt_is_required' });
  const raw = Array.isArray(call.body.base64Array)
    ? call.body.base64Array
    : call.body.base64 && core.flavour === 'novicezk'
      ? [call.body.base64]
      : [];
  const images = readImages(raw);
  if (!images) return reject(core.flavour, 4, 'base64格式错误');
  const parsed = parse(core, prompt, c.botType === 'NIJI_JOURNEY');
  if (isReply(parsed)) return parsed;
  const urls = images.length ? core.storeUploads(images).map((r) => core.renderer.uploadUrl(r)) : [];
  const echo = [...urls, parsed.echo].join(' ');
  const account = c.account ?? 'default';
  return launch(
    core,
    call,
    {
      op: 'imagine',
      prompt,
      promptEn: echo,
      finalPrompt: echo,
      description: `/imagine ${prompt}`,
      ...fromRequest(call, c, parsed, parsed.speedFlag),
      account,
      plan: markersPlan(parsed),
    },
    findBannedWord(prompt, core.opts.bannedWords)
  );
}

/** Looks up a parent the flavour's way: T answers 404 + code 3, the gateway refuses on its own with code 4. */
function findParent(core: SimCore, id: string | undefined, requireSuccess: boolean): SimTask | Reply {
  const parent = id ? core.engine.get(id) : undefined;
  if (!parent) {
    return reject(core.flavour, 3, MSG.parentMissing, {
      trueaiStatus: 404,
      gatewayOwn: true,
      gatewayDescription: 'task_not_found',
    });
  }
  if (requireSuccess && parent.status !== 'SUCCESS') {
    return reject(core.flavour, 4, MSG.parentState, {
      gatewayOwn: true,
      gatewayDescription: 'task_status_not_success',
    });
  }
  return parent;
}

/** 'code3-after-success': the parent just succeeded but the proxy claims it is gone (N #252). */
function code3AfterSuccess(core: SimCore, call: MjCall, c: Common, parent: SimTask): Reply | undefined {
  const fault = core.faults.take(['code3-after-success'], { endpoint: call.key, state: c.state, taskIds: [parent.id] });
  return fault ? reject(core.flavour, 3, MSG.parentMissing, { trueaiStatus: 404 }) : undefined;
}

interface ChildSpec {
  op: Op;
  index: number;
  modal: SimModalKind | null;
  description: string;
  finalPrompt?: string;
  batch?: number;
}

function childInit(core: SimCore, call: MjCall, c: Common, parent: SimTask, spec: ChildSpec): TaskInit | Reply {
  const base = stripSpeedFlags(parent.finalPrompt);
  const finalPrompt = spec.finalPrompt ?? base;
  const parsed = parse(core, finalPrompt, parent.botType === 'NIJI_JOURNEY');
  if (isReply(parsed)) return parsed;
  // Children keep the parent's version (its prompt carries the flag) but never inherit a scripted failure.
  parsed.version = parent.version;
  return {
    op: spec.op,
    // T clears the prompt of a Vary (Region) child, so the modal must send one (contract §8).
    prompt: spec.op === 'vary-region' && core.flavour === 'trueai' ? '' : parent.prompt,
    promptEn: finalPrompt,
    finalPrompt,
    description: spec.description,
    state: c.state,
    notifyHook: c.notifyHook,
    account: parent.account,
    ...pickMode(call, c, parent.mode),
    botType: parent.botType,
    parsed,
    plan: { outcome: 'success' },
    parent,
    index: spec.index,
    batch: spec.batch,
    modal: spec.modal,
    extraProps: spec.modal ? { remix: true } : {},
  };
}

/** Creates a MODAL child and answers 21 (the gateway rewrites it to 1 unless INPAINT or CUSTOM_ZOOM). */
function parkInModal(core: SimCore, init: TaskInit): Reply {
  const task = core.newTask(init);
  return submitResult(
    core.flavour,
    21,
    MSG.modal,
    task.id,
    { finalPrompt: task.finalPrompt, remix: true },
    actionName('gateway', task.op)
  );
}

/** `/submit/action`: a button of a finished parent; MODAL (21) when the button needs input. */
export function action(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const taskId = str(call.body.taskId);
  const customId = str(call.body.customId);
  // The gateway's distributor refuses a missing or unknown customId before this (gateway.ts).
  if (!customId) return reject(core.flavour, 4, 'customId不能为空');
  if (!taskId) return reject(core.flavour, 4, 'taskId不能为空');
  const parent = findParent(core, taskId, true);
  if (isReply(parent)) return parent;
  const gone = code3AfterSuccess(core, call, c, parent);
  if (gone) return gone;
  const plan = parent.buttons.some((b) => b.customId === customId) ? planCustomId(customId) : undefined;
  if (!plan) return reject(core.flavour, 4, MSG.unknownAction);
  if (plan.type === 'bookmark') {
    // T answers the bookmark with the parent's id and creates nothing; plus does not support it.
    return core.flavour === 'trueai'
      ? submitResult('trueai', 1, MSG.submitted, parent.id, {})
      : reject(core.flavour, 4, MSG.unknownAction);
  }
  if (plan.type === 'describe-all') return imagineAll(core, call, c, parent);
  const remixOn = core.opts.remix || (core.flavour === 'trueai' && (call.body.enableRemix === true || c.filterRemix));
  const parks = plan.modal === 'always' || (plan.modal === 'remix' && remixOn);
  const label = plan.op === 'upscale' ? ` U${plan.index}` : plan.op === 'variation' ? ` V${plan.index}` : '';
  const line = plan.op === 'describe-pick' || plan.op === 'shorten-pick' ? pickLine(parent, plan.index) : undefined;
  const init = childInit(core, call, c, parent, {
    op: plan.op,
    index: plan.index,
    modal: parks ? (plan.op === 'vary-region' ? 'mask' : plan.op === 'custom-zoom' ? 'zoom' : 'prompt') : null,
    description: `/${plan.op === 'upscale' ? 'up' : plan.op} ${parent.id}${label}`,
    finalPrompt: line,
    batch: plan.op === 'animate' || plan.op === 'video-extend' ? 4 : undefined,
  });
  if (isReply(init)) return init;
  if (plan.op === 'describe-retry') {
    init.inputUpload = parent.inputUpload;
    init.inputLink = parent.inputLink;
    init.resultLines = describeLines(core.rng);
    init.prompt = init.promptEn = init.finalPrompt = '';
  }
  if (plan.op === 'describe-pick' || plan.op === 'shorten-pick') init.prompt = line ?? '';
  return parks ? parkInModal(core, init) : launch(core, call, init, undefined);
}

/** The describe or shorten line a pick button names. */
function pickLine(parent: SimTask, index: number): string {
  return parent.resultLines[index - 1] ?? '';
}

/** T's "Imagine all": one IMAGINE per describe line, ids comma-joined; plus does not support it. */
function imagineAll(core: SimCore, call: MjCall, c: Common, parent: SimTask): Reply {
  if (core.flavour !== 'trueai') return reject(core.flavour, 4, MSG.unknownAction);
  const ids: string[] = [];
  for (const line of parent.resultLines) {
    const init = childInit(core, call, c, parent, {
      op: 'imagine',
      index: 0,
      modal: null,
      description: `/imagine ${line}`,
      finalPrompt: line,
    });
    if (isReply(init)) return init;
    init.prompt = line;
    if (!core.engine.hasRoom(init.account, init.mode)) break;
    const task = core.newTask(init);
    core.engine.enqueue(task);
    ids.push(task.id);
  }
  if (!ids.length) return queueFull(core, parent.account);
  return submitResult('trueai', 1, MSG.submitted, ids.join(','), acceptedProps(core, parent.account));
}

/** `/submit/modal`: the input a MODAL child waits for (prompt, mask, `--zoom`). */
export function modal(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const found = findParent(core, str(call.body.taskId), false);
  if (isReply(found)) return found;
  const task = found;
  if (task.status !== 'MODAL') return reject(core.flavour, 4, MSG.parentState);
  const parent = task.parentId ? core.engine.get(task.parentId) : undefined;
  const prompt = str(call.body.prompt)?.trim() || task.prompt || parent?.prompt || parent?.finalPrompt || '';
  if (!prompt) return reject(core.flavour, 4, 'prompt不能为空');
  if (task.modal === 'mask') {
    const mask = str(call.body.maskBase64);
    const data = mask?.startsWith('data:image/png;base64,') ? parseDataUrl(mask) : undefined;
    if (!data || !isPng(data.bytes))
      return reject(core.flavour, 4, 'maskBase64 必须是 PNG 的 data URL (data:image/png;base64,...)');
  }
  if (task.modal === 'zoom') {
    const zoom = /--zoom\s+(\d+(?:\.\d+)?)/.exec(prompt);
    if (!zoom || +zoom[1] < 1 || +zoom[1] > 2)
      return reject(core.flavour, 4, '自定义变焦的 prompt 需要 --zoom 1~2，例如 "cat --ar 1:1 --zoom 1.5"');
  }
  const parsed = parse(core, prompt, task.botType === 'NIJI_JOURNEY');
  if (isReply(parsed)) return parsed;
  const refused = admissionFault(
    core,
    call,
    c.state ?? task.state,
    [task.id, task.parentId ?? undefined],
    task.account
  );
  if (refused) return refused;
  if (!core.engine.hasRoom(task.account, task.mode)) return queueFull(core, task.account);
  const banned = findBannedWord(prompt, core.opts.bannedWords);
  task.prompt = prompt;
  task.promptEn = task.finalPrompt = parsed.echo;
  if (task.op !== 'vary-region' && task.op !== 'custom-zoom') task.version = parsed.version;
  task.plan = banned !== undefined ? bannedPlan(core) : markersPlan(parsed);
  task.durationOverrideMs = parsed.markers.durationMs ?? task.durationOverrideMs;
  task.modal = null;
  return accepted(core, task, core.engine.enqueue(task));
}

function changeCommon(
  core: SimCore,
  call: MjCall,
  c: Common,
  taskId: string | undefined,
  act: string,
  index: number
): Reply {
  const parent = findParent(core, taskId, true);
  if (isReply(parent)) return parent;
  const gone = code3AfterSuccess(core, call, c, parent);
  if (gone) return gone;
  const op: Op = act === 'UPSCALE' ? 'upscale' : act === 'VARIATION' ? 'variation' : 'reroll';
  // N only changes grids (IMAGINE, VARIATION, REROLL, BLEND results).
  if (parent.kind !== 'grid') return reject(core.flavour, 4, '关联任务不允许执行变化');
  const description =
    op === 'upscale'
      ? `/up ${parent.id} U${index}`
      : op === 'variation'
        ? `/variation ${parent.id} V${index}`
        : `/reroll ${parent.id}`;
  const init = childInit(core, call, c, parent, { op, index: op === 'reroll' ? 0 : index, modal: null, description });
  return isReply(init) ? init : launch(core, call, init, undefined);
}

/** N's `/change {taskId, action, index}`; the gateway pre-checks the fields itself (index 0 refused even for REROLL). */
export function change(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const taskId = str(call.body.taskId);
  const act = str(call.body.action)?.toUpperCase();
  const index = Number(call.body.index ?? 0);
  if (core.flavour === 'gateway') {
    if (!taskId) return reject('gateway', 4, '', { gatewayOwn: true, gatewayDescription: 'task_id_is_required' });
    if (!act) return reject('gateway', 4, '', { gatewayOwn: true, gatewayDescription: 'action_is_required' });
    if (!index) return reject('gateway', 4, '', { gatewayOwn: true, gatewayDescription: 'index_is_required' });
  }
  if (!taskId) return reject(core.flavour, 4, 'taskId不能为空');
  if (act !== 'UPSCALE' && act !== 'VARIATION' && act !== 'REROLL') return reject(core.flavour, 4, 'action参数错误');
  if (act !== 'REROLL' && !(Number.isInteger(index) && index >= 1 && index <= 4))
    return reject(core.flavour, 4, 'index参数错误');
  return changeCommon(core, call, c, taskId, act, index);
}

/** N's `/simple-change {content: "<id> U2"}`; `R` rerolls. */
export function simpleChange(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const content = str(call.body.content)?.trim();
  if (!content)
    return reject(core.flavour, 4, 'content参数错误', { gatewayOwn: true, gatewayDescription: 'content_is_required' });
  const m = /^(\d+)\s+(?:([UuVv])([1-4])|([Rr]))$/.exec(content);
  if (!m)
    return reject(core.flavour, 4, 'content参数错误', { gatewayOwn: true, gatewayDescription: 'content_parse_failed' });
  const act = m[4] ? 'REROLL' : m[2].toUpperCase() === 'U' ? 'UPSCALE' : 'VARIATION';
  return changeCommon(core, call, c, m[1], act, m[3] ? +m[3] : 0);
}

/** `/submit/describe`: four prompts for an image (`base64`, or `link` on T). */
export function describe(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const base64 = str(call.body.base64);
  const link = core.flavour === 'trueai' ? str(call.body.link)?.trim() : undefined;
  if (!base64 && !link)
    return reject(core.flavour, 4, core.flavour === 'trueai' ? 'base64和link不能同时为空' : 'base64不能为空');
  let upload: UploadRef | undefined;
  if (base64) {
    const data = parseDataUrl(base64);
    if (!data) return reject(core.flavour, 4, 'base64格式错误');
    upload = core.storeUploads([data])[0];
  } else if (!/^https?:\/\//i.test(link ?? '')) {
    return reject(core.flavour, 4, 'link格式错误');
  }
  const parsed = parse(core, '', false);
  if (isReply(parsed)) return parsed;
  return launch(
    core,
    call,
    {
      op: 'describe',
      prompt: '',
      promptEn: '',
      finalPrompt: '',
      description: (id) => (core.flavour === 'trueai' ? '/describe' : `/describe ${id}.png`),
      ...fromRequest(call, c, parsed),
      plan: { outcome: 'success' },
      inputUpload: upload ?? null,
      inputLink: upload ? null : (link ?? null),
      resultLines: describeLines(core.rng),
    },
    undefined
  );
}

const BLEND_AR: Record<string, string> = { PORTRAIT: '2:3', SQUARE: '1:1', LANDSCAPE: '3:2' };

/** `/submit/blend`: 2–5 images into one grid. */
export function blend(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const list = call.body.base64Array;
  if (!Array.isArray(list) || list.length < 2 || list.length > 5) {
    return reject(core.flavour, 4, core.flavour === 'trueai' ? '图片参数错误，2~5张图片' : 'base64List参数错误');
  }
  const images = readImages(list);
  if (!images) return reject(core.flavour, 4, 'base64格式错误');
  const dims = String(call.body.dimensions ?? 'SQUARE').toUpperCase();
  if (!BLEND_AR[dims]) return reject(core.flavour, 4, 'dimensions参数错误');
  const urls = core.storeUploads(images).map((r) => core.renderer.uploadUrl(r));
  const parsed = parse(core, '', c.botType === 'NIJI_JOURNEY');
  if (isReply(parsed)) return parsed;
  const echo = `${urls.join(' ')} --v ${parsed.version.number} --ar ${BLEND_AR[dims]}`;
  return launch(
    core,
    call,
    {
      op: 'blend',
      prompt: '',
      promptEn: echo,
      finalPrompt: echo,
      description: (id) => `/blend ${id} ${images.length}`,
      ...fromRequest(call, c, parsed),
      plan: { outcome: 'success' },
    },
    undefined
  );
}

/** `/submit/shorten`: prompt analysis with five shorter prompts. */
export function shorten(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const prompt = str(call.body.prompt)?.trim() ?? '';
  if (!prompt) return reject(core.flavour, 4, 'prompt不能为空');
  const parsed = parse(core, prompt, c.botType === 'NIJI_JOURNEY');
  if (isReply(parsed)) return parsed;
  return launch(
    core,
    call,
    {
      op: 'shorten',
      prompt,
      description: `/shorten ${prompt}`,
      ...fromRequest(call, c, parsed, parsed.speedFlag),
      plan: markersPlan(parsed),
      resultLines: shortenLines(parsed.echo),
    },
    findBannedWord(prompt, core.opts.bannedWords)
  );
}

/** `/edits` (T, G) and `/retexture` (T): a prompt plus a source image. */
export function edit(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const prompt = str(call.body.prompt)?.trim() ?? '';
  if (!prompt) return reject(core.flavour, 4, 'prompt不能为空');
  const image = readImageInput(core, call.body.image);
  if (!image) return reject(core.flavour, 4, 'image参数错误');
  const parsed = parse(core, prompt, c.botType === 'NIJI_JOURNEY');
  if (isReply(parsed)) return parsed;
  const op: Op = call.key === 'submit/retexture' ? 'retexture' : 'edit';
  return launch(
    core,
    call,
    {
      op,
      prompt,
      description: `/${op} ${prompt}`,
      ...fromRequest(call, c, parsed, parsed.speedFlag),
      plan: markersPlan(parsed),
      inputUpload: image.upload ?? null,
      inputLink: image.link ?? null,
    },
    findBannedWord(prompt, core.opts.bannedWords)
  );
}

/** `/video`: a new clip batch from a prompt (and first frame), or `action: "extend"` of an earlier clip. */
export function video(core: SimCore, call: MjCall): Reply {
  const c = readCommon(core, call);
  if (isReply(c)) return c;
  const b = call.body;
  const prompt = str(b.prompt)?.trim() ?? '';
  const bsFlag = /--bs\s+(\d+)/.exec(prompt);
  const batch = Number(b.batchSize ?? bsFlag?.[1] ?? 4);
  if (![1, 2, 4].includes(batch)) return reject(core.flavour, 4, 'batchSize 只能是 1、2 或 4');
  const motion = String(b.motion ?? 'low').toLowerCase();
  if (motion !== 'low' && motion !== 'high') return reject(core.flavour, 4, 'motion 只能是 low 或 high');
  if (String(b.action ?? '').toLowerCase() === 'extend') {
    const index = Number(b.index ?? 0);
    if (!Number.isInteger(index) || index < 0 || index > 3) return reject(core.flavour, 4, 'index 参数错误');
    const parent = findParent(core, str(b.taskId), true);
    if (isReply(parent)) return parent;
    if (parent.kind !== 'video' && parent.kind !== 'video-upscale') return reject(core.flavour, 4, MSG.parentState);
    const init = childInit(core, call, c, parent, {
      op: 'video-extend',
      index: index + 1,
      modal: null,
      description: `/video extend ${parent.id}`,
      batch,
      finalPrompt: prompt || undefined,
    });
    return isReply(init) ? init : launch(core, call, init, undefined);
  }
  if (!prompt) return reject(core.flavour, 4, 'prompt不能为空');
  const image = b.image === undefined ? {} : readImageInput(core, b.image);
  if (!image) return reject(core.flavour, 4, 'image参数错误');
  const parsed = parse(core, prompt, false);
  if (isReply(parsed)) return parsed;
  return launch(
    core,
    call,
    {
      op: 'video',
      prompt,
      description: `/video ${prompt}`,
      ...fromRequest(call, c, parsed, parsed.speedFlag),
      plan: markersPlan(parsed),
      batch,
      inputUpload: image.upload ?? null,
      inputLink: image.link ?? null,
      extraProps: { motion },
    },
    findBannedWord(prompt, core.opts.bannedWords)
  );
}

/** `/upload-discord-images`: no task; `result` is the list of CDN-like URLs. */
export function uploadImages(core: SimCore, call: MjCall): Reply {
  const images = readImages(call.body.base64Array);
  if (!images || !images.length) return reject(core.flavour, 4, 'base64Array参数错误');
  const urls = core.storeUploads(images).map((r) => core.renderer.uploadUrl(r));
  return submitResult(core.flavour, 1, MSG.submitted, urls, {});
}
