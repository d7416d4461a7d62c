/** The report's section of the MCP phase (kept apart from the phase, as the other phases' reports are). */
import type { McpPhaseResult } from './mcp';

/** The report's section of this phase. */
export function mcpSection(r: McpPhaseResult | undefined): string[] {
  if (!r) return [];
  const L = [
    '',
    `## MCP round trip: imagine → U1 → result through \`/mcp\` (official TypeScript SDK client)`,
    '',
    '| calls | rounds ok | HTTP requests (p50 / max) | JSON-RPC messages per round | round time p50 / max | upstream requests p50 |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, v] of Object.entries(r.variants)) {
    const rpc = Object.entries(v.rpcByMethod)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    L.push(
      `| ${name} | ${v.succeeded}/${v.rounds} | ${v.httpRequests.p50 ?? '–'} / ${v.httpRequests.max ?? '–'} | ${rpc} | ${v.roundMs.p50 ?? '–'} / ${v.roundMs.max ?? '–'} ms | ${v.upstreamRequests.p50 ?? '–'} |`
    );
    for (const f of v.failures.slice(0, 3)) L.push(`- ${name} failed: ${f}`);
  }
  for (const note of r.notes) L.push(`- ${note}`);
  return L;
}
