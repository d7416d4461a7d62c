/**
 * An empty workflow: the dev server's own ceiling on this machine (start → one workflow task → complete), measured
 * next to our job workflow in the throughput phase. Bench-only; never registered by the service's worker.
 */
export async function benchNoopWorkflow(): Promise<void> {
  // Nothing: the point is the server's cost of a workflow, not ours.
}
