/**
 * What the console reads of one workflow execution: its description, a progress query bounded in time, and what never
 * changes once written (a closed run's result or failure, the input a workflow started with), each read once and
 * kept in a bounded cache.
 */
import {
  type Client,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';

/** An execution as `describe` or a visibility list row gives it. */
export type Described = WorkflowExecutionDescription | WorkflowExecutionInfo;

const CACHE_LIMIT = 500;

export class WorkflowReader {
  private readonly closed = new Map<string, unknown>();

  /** @param queryTimeoutMs How long a query may take before the caller shows what visibility knows. @unit ms */
  constructor(
    private readonly client: Client,
    private readonly queryTimeoutMs: number
  ) {}

  /** The execution's description, or null when there is no workflow of that id. */
  async describe(id: string): Promise<WorkflowExecutionDescription | null> {
    try {
      return await this.client.workflow.getHandle(id).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  /** The query's answer; undefined when no worker (or a worker too busy) answers in time. */
  async query<T>(info: Described, name: string): Promise<T | undefined> {
    try {
      return await this.client.withDeadline(Date.now() + this.queryTimeoutMs, () =>
        this.client.workflow.getHandle(info.workflowId, info.runId).query<T>(name)
      );
    } catch {
      return undefined;
    }
  }

  /** The first argument a workflow was started with (of its current run), read once from history. */
  async startInput<T>(id: string): Promise<T | undefined> {
    const key = `input:${id}`;
    if (this.closed.has(key)) return this.closed.get(key) as T;
    const history = await this.client.workflow
      .getHandle(id)
      .fetchHistory()
      .catch(() => undefined);
    const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    if (!payloads) return undefined;
    const input = await decodeFromPayloadsAtIndex<T>(this.client.options.loadedDataConverter, 0, payloads);
    this.remember(key, input);
    return input;
  }

  /** A completed run's result, read once. */
  async closedResult<T>(info: Described): Promise<T> {
    const key = `result:${info.workflowId}:${info.runId}`;
    if (!this.closed.has(key)) {
      this.remember(key, await this.client.workflow.getHandle(info.workflowId, info.runId).result());
    }
    return this.closed.get(key) as T;
  }

  /** What a closed run's failure says (its cause's message when it has one), read once. */
  async failureMessage(info: Described): Promise<string | undefined> {
    const key = `failure:${info.workflowId}:${info.runId}`;
    if (!this.closed.has(key)) {
      const message = await this.client.workflow
        .getHandle(info.workflowId, info.runId)
        .result()
        .then(
          () => undefined,
          (err: Error) => (err.cause as Error | undefined)?.message ?? err.message
        );
      this.remember(key, message);
    }
    return this.closed.get(key) as string | undefined;
  }

  private remember(key: string, value: unknown): void {
    if (this.closed.size >= CACHE_LIMIT) this.closed.delete(this.closed.keys().next().value!);
    this.closed.set(key, value);
  }
}
