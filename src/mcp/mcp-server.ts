/**
 * The MCP server of one tenant: tools that start and read durable jobs, and MCP tasks that ARE those jobs. A task
 * id is the job id, so `tasks/get`, `tasks/result`, `tasks/list` and `tasks/cancel` read and cancel the job in
 * Temporal and survive a restart of this process and of the workers; nothing of a task is kept in memory. Another
 * tenant's job is answered exactly like one that never existed.
 *
 * A job that waits for input (Vary (Region): prompt and mask; Custom Zoom: prompt) is a task in `input_required`;
 * whoever waits for its result (`tasks/result`, or a plain `tools/call`) asks the client through elicitation when
 * the client declared that capability, and answers the job with what comes back. The press tool also takes `prompt`
 * and `mask` up front. Progress goes out as `notifications/progress` to a request that carried a progress token.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  CancelTaskRequestSchema,
  ErrorCode,
  GetTaskPayloadRequestSchema,
  GetTaskRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListTasksRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  RELATED_TASK_META_KEY,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ConsoleJob, TenantId } from '../console/backend';
import type { TemporalConsoleBackend } from '../console/temporal-backend';
import { GatewayError } from '../gateway/errors';
import { MjInputError } from '../mj/errors';
import { isTerminalState, watchJob } from './job-watch';
import { jobResult, parseImageUri, startedTask, taskOf } from './job-results';
import { isJobTool, isToolName, parseToolArgs, toolDefinitions } from './tools';
import { elicitModalInput } from './modal-input';
import { startJobTool } from './job-tools';

export interface McpServerOptions {
  backend: TemporalConsoleBackend;
  tenant: TenantId;
  /** How long a `tools/call` without task augmentation waits for its job before answering its id. @unit ms */
  callWaitMs: number;
  /** Name and version the server reports. */
  version?: string;
  /** Admission of a start (the gateway's submit rate and open-jobs cap); throws to refuse. @default none */
  beforeStart?: () => Promise<void>;
}

/** The MCP server's default bound on a plain (not task-augmented) call. @unit ms */
export const DEFAULT_CALL_WAIT_MS = 90_000;

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const notFound = (id: string) => new McpError(ErrorCode.InvalidParams, `Task not found: ${id}`);

export function createMcpServer(o: McpServerOptions): Server {
  const server = new Server(
    { name: 'mj-temporal', version: o.version ?? '0.1.0' },
    {
      capabilities: {
        tools: {},
        resources: {},
        tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
      },
      instructions:
        'MidJourney jobs that run durably. Start one with imagine (or blend, describe, shorten, video), then press ' +
        "buttons of its result (U1–U4, V1–V4, Vary (Region), …) with press. A job's id is its MCP task id.",
    }
  );
  const { backend, tenant } = o;

  /** Waits on the job until it ends or `signal` aborts, asking for input and reporting progress on the way. */
  const follow = async (jobId: string, extra: Extra, signal: AbortSignal, asTask: boolean): Promise<ConsoleJob> => {
    const token = extra._meta?.progressToken;
    let last: ConsoleJob | undefined;
    // Progress only ever goes up (the protocol's rule): a view with no more progress than the last sent sends none.
    let sent = -1;
    for await (const job of watchJob(backend, tenant, jobId, signal)) {
      last = job;
      const progress = job.progressPct ?? 0;
      if (token !== undefined && !isTerminalState(job.state) && progress > sent) {
        sent = progress;
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress, total: 100, message: taskOf(job).statusMessage },
        });
      }
      if (job.state === 'waiting' && server.getClientCapabilities()?.elicitation) {
        const answered = await elicitModalInput(backend, tenant, job, extra, asTask);
        if (!answered) return job;
      }
    }
    if (!last) throw notFound(jobId);
    return last;
  };

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: toolDefinitions() }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const name = request.params.name;
    if (!isToolName(name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    if (request.params.task && !isJobTool(name)) {
      throw new McpError(ErrorCode.MethodNotFound, `Tool ${name} does not run as a task (execution.taskSupport)`);
    }
    try {
      if (name === 'status') {
        const { job: id } = parseToolArgs('status', request.params.arguments);
        const job = await backend.getJob(tenant, id);
        if (!job) throw new MjInputError('job', `must name one of your jobs (no job ${id})`);
        return jobResult(backend, tenant, job);
      }
      if (name === 'list') return listResult(backend, tenant, parseToolArgs('list', request.params.arguments));
      if (!isJobTool(name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
      await o.beforeStart?.();
      const canElicit = server.getClientCapabilities()?.elicitation !== undefined;
      const jobId = await startJobTool(backend, tenant, name, request.params.arguments, { canElicit });
      if (request.params.task) {
        const job = await backend.getJob(tenant, jobId);
        return { task: job ? taskOf(job) : startedTask(jobId) };
      }
      const signal = AbortSignal.any([extra.signal, AbortSignal.timeout(o.callWaitMs)]);
      return jobResult(backend, tenant, await follow(jobId, extra, signal, false));
    } catch (err) {
      if (err instanceof MjInputError) return inputError(err);
      if (err instanceof GatewayError) return { content: [{ type: 'text', text: err.message }], isError: true };
      throw err;
    }
  });

  server.setRequestHandler(GetTaskRequestSchema, async (request) => {
    const job = await backend.getJob(tenant, request.params.taskId);
    if (!job) throw notFound(request.params.taskId);
    return taskOf(job);
  });

  server.setRequestHandler(GetTaskPayloadRequestSchema, async (request, extra) => {
    const id = request.params.taskId;
    const job = await follow(id, extra, extra.signal, true);
    const result = await jobResult(backend, tenant, job);
    return { ...result, _meta: { ...result._meta, [RELATED_TASK_META_KEY]: { taskId: id } } };
  });

  server.setRequestHandler(ListTasksRequestSchema, async () => {
    const jobs = await backend.listJobs(tenant, { limit: 100 });
    return { tasks: jobs.map(taskOf) };
  });

  server.setRequestHandler(CancelTaskRequestSchema, async (request) => {
    const id = request.params.taskId;
    const job = await backend.getJob(tenant, id);
    if (!job) throw notFound(id);
    if (isTerminalState(job.state)) {
      throw new McpError(ErrorCode.InvalidParams, `Cannot cancel task in terminal status: ${taskOf(job).status}`);
    }
    if (!(await backend.cancel(tenant, id))) throw notFound(id);
    return { ...taskOf(job), status: 'cancelled' as const, statusMessage: 'cancellation requested' };
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [] }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: 'mj-job://{jobId}/image/{index}',
        name: 'job image',
        description: "A job's stored image: index 0 the whole image or grid, 1–4 its quadrants.",
        mimeType: 'image/png',
      },
    ],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const uri = request.params.uri;
    const ref = parseImageUri(uri);
    const img = ref && (await backend.image(tenant, ref.jobId, ref.index));
    if (!img) throw new McpError(ErrorCode.InvalidParams, `Resource not found: ${uri}`);
    return { contents: [{ uri, mimeType: img.contentType, blob: Buffer.from(img.bytes).toString('base64') }] };
  });

  return server;
}

async function listResult(
  backend: TemporalConsoleBackend,
  tenant: TenantId,
  args: ReturnType<typeof parseToolArgs<'list'>>
): Promise<CallToolResult> {
  const jobs = await backend.listJobs(tenant, { state: args.state, text: args.text, limit: args.limit ?? 20 });
  const rows = jobs.map((j) => ({
    jobId: j.id,
    state: j.state,
    title: j.title,
    ...(j.intent ? { intent: j.intent } : {}),
  }));
  const text = rows.length
    ? rows.map((r) => `${r.jobId}  ${r.state}  ${r.intent ? `${r.intent} ` : ''}${r.title}`).join('\n')
    : 'No jobs.';
  return { content: [{ type: 'text', text }], structuredContent: { jobs: rows } };
}

function inputError(err: MjInputError): CallToolResult {
  return {
    content: [{ type: 'text', text: err.message }],
    structuredContent: { error: { field: err.field, message: err.message } },
    isError: true,
  };
}
