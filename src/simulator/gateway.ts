/**
 * The gateway flavour's own layer: a new-api front (Calcium-Ion/new-api, the behaviour of `ef8ae4db` and its
 * neighbours; `controller/midjourney.go`, `relay/relay-mj.go`, `service/midjourney.go`, `dto/midjourney.go`,
 * `middleware/distributor.go`) in front of a plus-like upstream, the simulator's engine.
 *
 * new-api answers `fetch` and `list-by-condition` from its own table, not from the upstream:
 * - every accepted submit inserts a row keyed by the returned id, a stub (status "", progress "0%", null buttons
 *   and properties, times 0) until the poller's first visit; a modal returns the child's id again, so the child has
 *   two rows, and reads return the older one (`First()`) while the poller refreshes only the newer one
 *   (last-in-map wins) until it reaches "100%";
 * - a poller calls the upstream's list-by-condition every 15 s for all rows not at "100%" (ids repeated for
 *   duplicate rows) and copies only progress, promptEn, state, times, imageUrl, status, failReason, buttons and
 *   properties: `action`, `prompt` and `description` stay as derived at submit; parentId, imageUrls, video urls,
 *   mode and botType are not in its DTO;
 * - a row not at "100%" one hour after its submitTime turns FAILURE "上游任务超时（超过1小时）", progress "100%";
 * - `imageUrl` is rewritten to its relay `<ServerAddress>/mj/image/<id>`, which fetches the stored upstream link:
 *   once that expires the relay answers 404 `{"error":"This content is no longer available."}`, because finished
 *   rows are never polled again.
 * Each behaviour can be switched where real gateways differ ({@link GatewayOptions}).
 */
import type { MjButton, SpeedMode } from '../mj/types';
import { serveAsset } from './assets';
import { gatewayAcceptsCustomId } from './buttons';
import type { SimTimer } from './clock';
import { actionName, type EndpointKey } from './flavour';
import type { GatewayCounters, GatewayOptions, GatewayRow, GatewaySnapshot } from './gateway-table';
import type { SimHost } from './host';
import { gatewayError, jsonReply, type Reply } from './responses';
import type { SimTask } from './task';

/** The failReason new-api writes when it gives up on a task after an hour (controller/midjourney.go). */
export const GATEWAY_TIMEOUT_REASON = '上游任务超时（超过1小时）';

/** What new-api's table and poller do; one per gateway-flavour simulator. */
export class GatewayLayer {
  private rows: GatewayRow[] = [];
  private rowSeq = 0;
  private timer: SimTimer | null = null;
  /** Simulated time the poller loop started; cycles fall on `start + k × refreshMs`. */
  private readonly loopStart: number;
  counters: GatewayCounters = { polls: 0, polledIds: 0, pollsFailed: 0, timeouts: 0, lastPollIds: [] };

  constructor(
    private readonly core: SimHost,
    readonly options: GatewayOptions
  ) {
    this.loopStart = core.now();
  }

  /** Drops a speed prefix and the fields new-api strips before relaying a submit. */
  upstreamCall(body: Record<string, unknown>, prefixMode: SpeedMode | undefined) {
    const out = { ...body };
    if (!this.options.forwardAccountFilter) delete out.accountFilter;
    if (!this.options.forwardNotifyHook) delete out.notifyHook;
    return { body: out, prefixMode: this.options.keepSpeedPrefix ? prefixMode : undefined };
  }

  /** Records the row new-api inserts for an accepted submit (codes 1, 21, 22). */
  recordSubmit(key: EndpointKey, body: Record<string, unknown>, reply: Reply): void {
    const json = reply.json as { code?: unknown; result?: unknown; description?: unknown } | undefined;
    const mjId = typeof json?.result === 'string' ? json.result : undefined;
    const code = typeof json?.code === 'number' ? json.code : 0;
    if (reply.status !== 200 || !mjId || ![1, 21, 22].includes(code)) return;
    const task = this.core.engine.get(mjId.split(',')[0]);
    if (!task) return;
    const isModal = key === 'submit/modal';
    if (isModal && !this.options.duplicateRows && this.first(mjId)) return;
    const parentRow = task.parentId ? this.first(isModal ? mjId : task.parentId) : undefined;
    const ownPrompt = typeof body.prompt === 'string' ? body.prompt : '';
    this.rows.push({
      rowId: ++this.rowSeq,
      mjId,
      code,
      action: isModal ? 'MODAL' : actionName('gateway', task.op, undefined),
      prompt: isModal || task.parentId ? (parentRow?.prompt ?? ownPrompt) : ownPrompt,
      description: typeof json?.description === 'string' ? json.description : '',
      promptEn: '',
      state: '',
      submitTime: this.core.now(),
      startTime: 0,
      finishTime: 0,
      imageUrl: '',
      status: '',
      progress: '0%',
      failReason: '',
      buttons: null,
      properties: null,
    });
    this.core.touch();
    this.arm();
  }

  /** `GET /mj/task/{id}/fetch`: the oldest row for the id. */
  fetch(id: string): Reply {
    this.refreshOnRead();
    const row = this.first(id);
    return row ? jsonReply(200, this.render(row)) : gatewayError(4, 'task_no_found');
  }

  /** `POST /mj/task/list-by-condition`: every row for the ids, duplicates included, in table order. */
  list(ids: string[]): Reply {
    this.refreshOnRead();
    const wanted = new Set(ids);
    return jsonReply(
      200,
      this.rows.filter((r) => wanted.has(r.mjId)).map((r) => this.render(r))
    );
  }

  /** The task JSON fetch would give, or undefined (`Simulator.task`). */
  view(id: string): Record<string, unknown> | undefined {
    const row = this.first(id);
    return row ? this.render(row) : undefined;
  }

  /** Every first row, newest first (`Simulator.tasks`). */
  views(): Record<string, unknown>[] {
    const seen = new Set<string>();
    const out: Record<string, unknown>[] = [];
    for (const row of this.rows) {
      if (seen.has(row.mjId)) continue;
      seen.add(row.mjId);
      out.push(this.render(row));
    }
    return out.reverse();
  }

  /** `GET /mj/image/{id}`: fetches the row's stored upstream link and relays the answer. */
  image(id: string): Reply {
    const row = this.first(id);
    if (!row) return jsonReply(400, { error: 'midjourney_task_not_found' });
    let url: URL;
    try {
      url = new URL(row.imageUrl);
    } catch {
      return jsonReply(500, { error: 'http_get_image_failed' });
    }
    const answer = serveAsset(this.core, url.pathname, url.searchParams) ?? { status: 404, text: '404 page not found' };
    if (answer.status !== 200) {
      const text = answer.text ?? (answer.bytes ? answer.bytes.toString('utf8') : '');
      return jsonReply(answer.status, { error: text });
    }
    return { ...answer, contentType: answer.contentType ?? 'image/jpeg' };
  }

  snapshot(): GatewaySnapshot {
    return { rows: structuredClone(this.rows), rowSeq: this.rowSeq, counters: structuredClone(this.counters) };
  }

  restore(snap: GatewaySnapshot): void {
    this.rows = structuredClone(snap.rows);
    this.rowSeq = snap.rowSeq;
    this.counters = structuredClone(snap.counters);
    this.arm();
  }

  reset(): void {
    this.rows = [];
    this.rowSeq = 0;
    this.counters = { polls: 0, polledIds: 0, pollsFailed: 0, timeouts: 0, lastPollIds: [] };
    this.stop();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Number of rows (a modal's child counts twice). */
  size(): number {
    return this.rows.length;
  }

  /** The row reads use for an id (the oldest). */
  row(mjId: string): GatewayRow | undefined {
    this.refreshOnRead();
    return this.first(mjId);
  }

  private first(mjId: string): GatewayRow | undefined {
    return this.rows.find((r) => r.mjId === mjId);
  }

  private unfinished(): GatewayRow[] {
    return this.rows.filter((r) => r.progress !== '100%');
  }

  /** Arms the next poller cycle on the loop's fixed phase, while any row is unfinished. */
  private arm(): void {
    const period = this.options.refreshMs;
    if (this.timer || !(period > 0) || !this.unfinished().length) return;
    const now = this.core.now();
    const next = this.loopStart + (Math.floor((now - this.loopStart) / period) + 1) * period;
    this.timer = this.core.opts.clock.setTimer(next - now, () => {
      this.timer = null;
      this.poll();
      this.arm();
    });
  }

  private refreshOnRead(): void {
    if (this.options.refreshMs > 0) return;
    // Two cycles, so a modal's older row catches up as soon as the newer one finished.
    this.poll();
    this.poll();
  }

  /** One `UpdateMidjourneyTaskBulk` cycle. */
  private poll(): void {
    const rows = this.unfinished();
    if (!rows.length) return;
    const byId = new Map<string, GatewayRow>();
    for (const row of rows) byId.set(row.mjId, row); // the last row for an id wins, as in new-api's map
    this.counters.polls++;
    this.counters.polledIds += rows.length;
    this.counters.lastPollIds = rows.map((r) => r.mjId);
    if (!this.options.upstreamKeyValid) {
      this.counters.pollsFailed++;
      return;
    }
    const now = this.core.now();
    const timeout = this.core.opts.gatewayTaskTimeout;
    for (const [id, row] of byId) {
      const task = this.core.engine.get(id);
      if (!task) continue;
      const item = this.upstreamItem(task);
      if (timeout > 0 && now - row.submitTime > timeout && row.progress !== '100%') {
        item.failReason = GATEWAY_TIMEOUT_REASON;
        item.status = 'FAILURE';
        this.counters.timeouts++;
      }
      this.apply(row, item);
    }
    this.core.touch();
  }

  private apply(row: GatewayRow, item: GatewayRow): void {
    row.code = 1;
    row.progress = item.progress;
    row.promptEn = item.promptEn;
    row.state = item.state;
    row.submitTime = item.submitTime;
    row.startTime = item.startTime;
    row.finishTime = item.finishTime;
    row.imageUrl = item.imageUrl;
    row.status = item.status;
    row.failReason = item.failReason;
    if (item.properties) row.properties = item.properties;
    if (item.buttons) row.buttons = item.buttons;
    // A failure is final for the gateway: it sets 100% (and refunds), so the row is never polled again.
    if ((row.progress !== '100%' && item.failReason !== '') || (row.progress === '100%' && row.status === 'FAILURE')) {
      row.progress = '100%';
    }
  }

  /** The upstream's list-by-condition item, decoded into new-api's DTO (nulls become zero values). */
  private upstreamItem(task: SimTask): GatewayRow {
    const up = this.core.renderer.task(task) as Record<string, unknown>;
    const props = (up.properties ?? {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' ? v : '');
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    return {
      rowId: 0,
      mjId: task.id,
      code: 1,
      action: str(up.action),
      prompt: str(up.prompt),
      description: str(up.description),
      promptEn: str(up.promptEn),
      state: str(up.state),
      submitTime: num(up.submitTime),
      startTime: num(up.startTime),
      finishTime: num(up.finishTime),
      imageUrl: str(up.imageUrl),
      status: str(up.status),
      progress: str(up.progress),
      failReason: str(up.failReason),
      buttons: Array.isArray(up.buttons) ? (up.buttons as MjButton[]) : null,
      properties: { finalPrompt: str(props.finalPrompt), finalZhPrompt: str(props.finalZhPrompt) },
    };
  }

  /** new-api's `coverMidjourneyTaskDto`. */
  private render(row: GatewayRow): Record<string, unknown> {
    const task = this.options.frozenFields ? undefined : this.core.engine.get(row.mjId);
    const base = this.options.serverAddress ?? this.core.opts.publicBaseUrl ?? this.core.baseUrl;
    let imageUrl = row.imageUrl;
    if (row.imageUrl !== '' && this.options.imageRelay) {
      imageUrl = `${base}/mj/image/${row.mjId}`;
      if (row.status !== 'SUCCESS') imageUrl += `?rand=${this.core.now()}${String(row.rowId).padStart(6, '0')}`;
    }
    return {
      id: row.mjId,
      action: task?.action ?? row.action,
      customId: '',
      botType: '',
      prompt: task?.prompt ?? row.prompt,
      promptEn: row.promptEn,
      description: task?.description ?? row.description,
      state: this.options.echoState ? row.state : '',
      submitTime: row.submitTime,
      startTime: row.startTime,
      finishTime: row.finishTime,
      imageUrl,
      status: row.status,
      progress: row.progress,
      failReason: row.failReason,
      buttons: row.buttons,
      maskBase64: '',
      properties: row.properties,
    };
  }
}

/** A refusal of new-api's middleware (token auth, channel distributor): the OpenAI-style envelope. */
export function openAiError(status: number, message: string): Reply {
  return jsonReply(status, { error: { message, type: 'new_api_error' } });
}

/**
 * The distributor's model lookup for `/mj/submit/action` (`CoverPlusActionToNormalAction`): a customId it cannot
 * name is refused before any channel is chosen.
 */
export function distributorRefusal(key: EndpointKey, body: Record<string, unknown>): Reply | undefined {
  if (key !== 'submit/action') return undefined;
  const customId = typeof body.customId === 'string' ? body.customId : '';
  if (!customId) return openAiError(400, '无效的请求, custom_id_is_required');
  return gatewayAcceptsCustomId(customId) ? undefined : openAiError(400, `无效的请求, unknown_action:${customId}`);
}

/** The parent a follow-up names: `taskId`, or the id in simple-change's `content`. */
function parentIdOf(key: EndpointKey, body: Record<string, unknown>): string | undefined {
  if (key === 'submit/simple-change')
    return typeof body.content === 'string' ? body.content.trim().split(/\s+/)[0] : undefined;
  if (key === 'submit/action' || key === 'submit/change' || key === 'submit/modal' || key === 'submit/video') {
    return typeof body.taskId === 'string' && body.taskId !== '' ? body.taskId : undefined;
  }
  return undefined;
}

/**
 * What new-api refuses itself before relaying a submit, in its order: the distributor (unknown customId, no
 * channel: OpenAI envelope), then the relay's parent check against its own, possibly stale, row
 * (`MjActionCheckSuccessEnabled`), then the upstream's 401 for a bad channel key (code 5).
 */
export function gatewayFront(
  core: SimHost,
  key: EndpointKey,
  body: Record<string, unknown>,
  noChannel: boolean,
  badKey: boolean
): Reply | undefined {
  const refused = distributorRefusal(key, body);
  if (refused) return refused;
  if (noChannel) return openAiError(503, `当前分组 default 下对于模型 ${gatewayModelName(key)} 无可用渠道`);
  const parentId = parentIdOf(key, body);
  if (parentId !== undefined && core.gateway) {
    const row = core.gateway.row(parentId);
    if (!row) return gatewayError(4, 'task_not_found');
    if (key !== 'submit/modal' && key !== 'submit/video' && row.status !== 'SUCCESS') {
      return gatewayError(4, 'task_status_not_success');
    }
  }
  if (badKey || core.gateway?.options.upstreamKeyValid === false) {
    return gatewayError(5, 'unmarshal_response_body_failed');
  }
  return undefined;
}

/** new-api's model name for a submit (`mj_imagine`, `mj_upscale`, …), shown in its no-channel message. */
export function gatewayModelName(key: EndpointKey): string {
  return `mj_${key.replace(/^submit\//, '').replace(/-/g, '_')}`;
}
