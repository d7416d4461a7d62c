/**
 * The simulator's state in one object: options, random streams, task engine, faults, webhooks, images and the
 * counters behind `stats()`. Request handlers receive it; nothing here knows about sockets.
 */
import { randomBytes } from 'node:crypto';
import type { SpeedMode } from '../mj/types';
import { resultKindOf, type Op } from './buttons';
import { Engine } from './engine';
import { GatewayLayer } from './gateway';
import type { GatewayCounters } from './gateway-table';
import type { SimHost } from './host';
import { FaultPlan } from './faults';
import { actionName, failReasonText } from './flavour';
import { ImageCache, paletteFromHash, UploadStore, UrlSigner } from './images';
import type { MjFlavour } from '../mj/terms/flavours';
import type { ResolvedOptions } from './options';
import { STATE_FORMAT, STATE_VERSION, type SimSnapshot, type StateFile } from './persistence';
import type { ParsedPrompt } from './prompt';
import { SeededRandom } from './random';
import { Renderer } from './render';
import type { SimModalKind, SimTask, TaskPlan, UploadRef } from './task';
import { WebhookNotifier } from './webhooks';

/** One entry of the request log. Never holds headers, so never credentials. */
export interface RequestRecord {
  method: string;
  path: string;
  /** HTTP status sent; 0 when the response was deliberately dropped. */
  status: number;
  /** Simulated epoch ms when the request arrived. */
  at: number;
  /** The JSON body with long strings and data URLs abbreviated, at most 500 characters. */
  bodySummary?: string;
  /** The fault kind injected into this request, if any. */
  fault?: string;
  /** `task/fetch` only: the `status` of the task in the answer ('' for a gateway stub), so staleness can be measured. */
  answered?: string;
}

/** Counters and logs returned by `Simulator.stats()` and `GET /__sim/stats`. */
export interface SimStats {
  /** Tasks created by submits, keyed by the request's `state` ('' when none); proves exactly-once submits. */
  submitsByState: Record<string, number>;
  /** Submit requests received per endpoint ('submit/imagine', …), accepted or not. */
  submitsByEndpoint: Record<string, number>;
  /** Submits answered with code 1, 21 or 22 (a task created, parked or advanced), per endpoint. */
  acceptedByEndpoint: Record<string, number>;
  /** MODAL children that turned FAILURE unanswered after `modalTtl`. */
  modalsExpired: number;
  /** Gateway flavour: rows the gateway failed after `gatewayTaskTimeout` ("上游任务超时"). */
  gatewayTimeouts: number;
  /** Gateway flavour: its poller's calls to the upstream and its table's size. */
  gateway?: GatewayCounters & { rows: number };
  requests: RequestRecord[];
  /** Webhook POSTs attempted (duplicates included). */
  webhooksSent: number;
  /** Webhook POSTs that errored, timed out or got a non-2xx answer. */
  webhooksFailed: number;
  /** Webhooks deliberately lost by a 'webhook-lose' fault. */
  webhooksDropped: number;
  /** Faults injected so far, by kind. */
  faultsInjected: Record<string, number>;
  tasks: number;
  tasksByStatus: Record<string, number>;
}

/** Everything needed to create a task; the rest is derived. */
export interface TaskInit {
  op: Op;
  prompt: string;
  promptEn?: string;
  finalPrompt?: string;
  /** Given the new id, e.g. N's `/describe <id>.png`. */
  description: string | ((id: string) => string);
  state: string | null;
  notifyHook: string | null;
  account: string;
  mode: SpeedMode;
  requestMode: SpeedMode | null;
  botType: 'MID_JOURNEY' | 'NIJI_JOURNEY';
  parsed: ParsedPrompt;
  plan: TaskPlan;
  parent?: SimTask;
  index?: number;
  batch?: number;
  inputUpload?: UploadRef | null;
  inputLink?: string | null;
  resultLines?: string[];
  modal?: SimModalKind | null;
  extraProps?: Record<string, unknown>;
}

/** Owns all simulator state; one per running simulator. */
export class SimCore implements SimHost {
  readonly engine: Engine;
  /** The gateway flavour's table and poller; undefined for the other flavours. */
  readonly gateway?: GatewayLayer;
  readonly faults: FaultPlan;
  readonly notifier: WebhookNotifier;
  readonly renderer: Renderer;
  readonly signer: UrlSigner;
  readonly uploads = new UploadStore();
  readonly images = new ImageCache();
  /** Content choices (hashes, describe text); separate from fault sampling so faults don't shift ids. */
  readonly rng: SeededRandom;
  baseUrl = '';
  private submitsByState: Record<string, number> = {};
  private submitsByEndpoint: Record<string, number> = {};
  private acceptedByEndpoint: Record<string, number> = {};
  private requests: RequestRecord[] = [];
  private uploadSeq = 0;
  private readonly signerSecret: string;
  private readonly generation: number;
  private readonly blobs = new Map<string, string>();

  /**
   * @param state where the state is saved, when persistence is on
   * @param saved a state to resume (loaded from `state`)
   */
  constructor(
    readonly opts: ResolvedOptions,
    private readonly state?: StateFile,
    saved?: SimSnapshot
  ) {
    this.generation = saved ? saved.generation + 1 : 0;
    // A resumed seeded run draws from new streams, so it never repeats the hashes it handed out before.
    const root = new SeededRandom(opts.seed === undefined ? undefined : opts.seed + this.generation * 7_919);
    const idRng = root.fork(1);
    this.rng = root.fork(2);
    this.faults = new FaultPlan(root.fork(3));
    this.signerSecret =
      saved?.signerSecret ?? (opts.seed === undefined ? randomBytes(16).toString('hex') : root.fork(4).hex(32));
    this.signer = new UrlSigner(this.signerSecret);
    this.notifier = new WebhookNotifier(this.faults, opts.webhookTimeoutMs);
    this.renderer = new Renderer(opts.flavour, opts.clock, this.signer, () => opts.publicBaseUrl ?? this.baseUrl);
    this.engine = new Engine(opts, idRng, {
      onChange: (task) => this.onChange(task),
      failReason: (cause) => failReasonText(opts.flavour, cause),
      touched: () => this.touch(),
    });
    if (opts.flavour === 'gateway') this.gateway = new GatewayLayer(this, opts.gateway);
    if (saved) this.restore(saved);
    if (state) {
      state.attach(() => this.snapshot());
      this.notifier.onPendingChange = () => state.markDirty();
    }
  }

  /** Something changed: save it soon (no-op without a state file). */
  touch(): void {
    this.state?.markDirty();
  }

  /** Saves now: a submit's task must be on disk before its id is answered. */
  persistNow(): void {
    this.state?.markDirty();
    this.state?.flush();
  }

  /** The whole state as plain data. */
  snapshot(): SimSnapshot {
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      flavour: this.flavour,
      clockNow: this.now(),
      generation: this.generation,
      signerSecret: this.signerSecret,
      engine: this.engine.snapshot(),
      gateway: this.gateway?.snapshot(),
      counters: {
        submitsByState: { ...this.submitsByState },
        submitsByEndpoint: { ...this.submitsByEndpoint },
        acceptedByEndpoint: { ...this.acceptedByEndpoint },
        uploadSeq: this.uploadSeq,
        webhooks: { ...this.notifier.counters },
      },
      uploads: this.uploads.list().map(([id, files]) => ({
        id,
        files: files.map((f, i) => ({
          contentType: f.contentType,
          issuedAt: f.issuedAt,
          blob: this.blobs.get(`${id}/${i}`) ?? '',
        })),
      })),
      webhooks: this.notifier.pendingDeliveries(),
    };
  }

  private restore(saved: SimSnapshot): void {
    const c = saved.counters;
    this.submitsByState = { ...c.submitsByState };
    this.submitsByEndpoint = { ...c.submitsByEndpoint };
    this.acceptedByEndpoint = { ...c.acceptedByEndpoint };
    this.uploadSeq = c.uploadSeq;
    Object.assign(this.notifier.counters, c.webhooks);
    for (const { id, files } of saved.uploads) {
      const stored = files.map((f, i) => {
        this.blobs.set(`${id}/${i}`, f.blob);
        return { contentType: f.contentType, issuedAt: f.issuedAt, bytes: this.state?.readBlob(f.blob) };
      });
      if (stored.every((f) => f.bytes))
        this.uploads.put(id, stored as { contentType: string; issuedAt: number; bytes: Buffer }[]);
    }
    this.state?.pruneBlobs(new Set(this.blobs.values()));
    this.engine.restore(saved.engine);
    if (saved.gateway) this.gateway?.restore(saved.gateway);
    this.notifier.resume(saved.webhooks);
  }

  get flavour(): MjFlavour {
    return this.opts.flavour;
  }

  now(): number {
    return this.opts.clock.now();
  }

  /** Builds and stores a task in NOT_START (or MODAL when `init.modal` is set); the caller enqueues it. */
  newTask(init: TaskInit): SimTask {
    const id = this.engine.newId();
    const hash = this.rng.uuid();
    const kind = resultKindOf(init.op);
    const parent = init.parent;
    const index = init.index ?? 0;
    // An upscale shows the quadrant it was taken from, so a client can check it saved the right picture.
    const palette =
      (kind === 'upscale' || kind === 'video-upscale') && parent && index >= 1
        ? [parent.palette[index - 1] ?? parent.palette[0]]
        : kind === 'upscale-hd' && parent
          ? [parent.palette[0]]
          : paletteFromHash(hash);
    const finalPrompt = init.finalPrompt ?? init.parsed.echo;
    const task: SimTask = {
      id,
      seq: this.engine.nextSeq(),
      op: init.op,
      // Behind the gateway runs a plus-like upstream; the gateway derives its own action name (gateway.ts).
      action: actionName(this.flavour === 'gateway' ? 'plus' : this.flavour, init.op, parent?.action),
      kind,
      status: init.modal ? 'MODAL' : 'NOT_START',
      prompt: init.prompt,
      promptEn: init.promptEn ?? finalPrompt,
      description: typeof init.description === 'function' ? init.description(id) : init.description,
      state: init.state,
      submitTime: this.now(),
      startTime: null,
      finishTime: null,
      progress: '',
      failReason: null,
      finalPrompt,
      hash,
      parentId: parent?.id ?? null,
      index,
      mode: init.mode,
      requestMode: init.requestMode,
      account: init.account,
      botType: init.botType,
      notifyHook: init.notifyHook,
      version: init.parsed.version,
      plan: init.plan,
      durationOverrideMs: init.parsed.markers.durationMs ?? null,
      buttons: [],
      palette,
      preview: null,
      imageIssuedAt: null,
      inputUpload: init.inputUpload ?? null,
      inputLink: init.inputLink ?? null,
      batch: init.batch ?? 4,
      modal: init.modal ?? null,
      resultLines: init.resultLines ?? [],
      nonce: String(1_000_000_000_000_000_000n + BigInt(this.rng.int(2 ** 31)) * 1_000_000_000n),
      messageId: String(1_300_000_000_000_000_000n + BigInt(this.rng.int(2 ** 31)) * 1_000_000_000n),
      extraProps: init.extraProps ?? {},
      timer: null,
      next: null,
      step: 0,
    };
    this.engine.add(task);
    this.submitsByState[task.state ?? ''] = (this.submitsByState[task.state ?? ''] ?? 0) + 1;
    return task;
  }

  /** The task JSON the flavour's fetch would return (the gateway's row), or undefined. */
  view(id: string): Record<string, unknown> | undefined {
    if (this.gateway) return this.gateway.view(id);
    const t = this.engine.get(id);
    return t ? this.renderer.task(t) : undefined;
  }

  /** Every task, newest first, as the flavour's fetch renders it. */
  views(): Record<string, unknown>[] {
    return this.gateway ? this.gateway.views() : this.engine.all().map((t) => this.renderer.task(t));
  }

  /** Keeps uploaded images; returns references for URLs. */
  storeUploads(files: { bytes: Buffer; contentType: string }[]): UploadRef[] {
    const uploadId = `${this.now()}${String(++this.uploadSeq).padStart(4, '0')}`;
    this.uploads.put(
      uploadId,
      files.map((f) => ({ ...f, issuedAt: this.now() }))
    );
    if (this.state) {
      files.forEach((f, i) =>
        this.blobs.set(`${uploadId}/${i}`, this.state!.saveBlob(`${uploadId}-${i}.bin`, f.bytes))
      );
    }
    return files.map((_, index) => ({ uploadId, index }));
  }

  countSubmit(endpoint: string): void {
    this.submitsByEndpoint[endpoint] = (this.submitsByEndpoint[endpoint] ?? 0) + 1;
  }

  countAccepted(endpoint: string): void {
    this.acceptedByEndpoint[endpoint] = (this.acceptedByEndpoint[endpoint] ?? 0) + 1;
  }

  logRequest(record: RequestRecord): void {
    this.requests.push(record);
    const excess = this.requests.length - this.opts.maxRequestLog;
    if (excess > 0) this.requests.splice(0, excess);
  }

  stats(): SimStats {
    const tasksByStatus: Record<string, number> = {};
    for (const t of this.engine.all()) tasksByStatus[t.status] = (tasksByStatus[t.status] ?? 0) + 1;
    return {
      submitsByState: { ...this.submitsByState },
      submitsByEndpoint: { ...this.submitsByEndpoint },
      acceptedByEndpoint: { ...this.acceptedByEndpoint },
      modalsExpired: this.engine.modalsExpired,
      gatewayTimeouts: this.gateway?.counters.timeouts ?? 0,
      ...(this.gateway ? { gateway: { ...structuredClone(this.gateway.counters), rows: this.gateway.size() } } : {}),
      requests: this.requests.map((r) => ({ ...r })),
      webhooksSent: this.notifier.counters.sent,
      webhooksFailed: this.notifier.counters.failed,
      webhooksDropped: this.notifier.counters.dropped,
      faultsInjected: this.faults.counts(),
      tasks: this.engine.size(),
      tasksByStatus,
    };
  }

  reset(): void {
    this.touch();
    this.gateway?.reset();
    this.engine.reset();
    this.faults.clear();
    this.faults.resetCounts();
    this.notifier.reset();
    this.uploads.clear();
    this.images.clear();
    this.submitsByState = {};
    this.submitsByEndpoint = {};
    this.acceptedByEndpoint = {};
    this.requests = [];
    this.blobs.clear();
    this.state?.pruneBlobs(new Set());
  }

  /** Stops timers and webhooks, then writes the final state (pending webhooks included). */
  async close(): Promise<void> {
    this.gateway?.stop();
    this.engine.close();
    await this.notifier.close();
    this.state?.markDirty();
    this.state?.close();
  }

  private onChange(task: SimTask): void {
    this.touch();
    const hook = task.notifyHook ?? this.opts.notifyHook;
    if (!hook) return;
    this.notifier.notify(hook, task.id, task.state, this.renderer.task(task));
  }
}
