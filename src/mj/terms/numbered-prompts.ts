/**
 * The numbered prompts of MidJourney's describe and shorten results (docs/mj-contract.md §11): the one reading of
 * their `1️⃣ …` lines, for pipelines that pick a prompt and the gateway that prefills a pick. Workflow-safe.
 */

const KEYCAP = /([1-9])\uFE0F?\u20E3/gu;
const NUMBERED_LINE = /^\s*([1-9])[.)]\s+/gmu;

/**
 * The numbered prompts of a describe or shorten result (`1️⃣ …\n\n2️⃣ …`, §11), in order: element 0 is prompt 1.
 * Falls back to `1. …` lines. Stops at the first missing number.
 */
export function extractNumberedPrompts(text: string | null | undefined): string[] {
  if (!text) return [];
  for (const re of [KEYCAP, NUMBERED_LINE]) {
    const marks = [...text.matchAll(re)];
    if (marks.length === 0) continue;
    const byNumber = new Map<number, string>();
    marks.forEach((m, i) => {
      const n = Number(m[1]);
      const start = m.index! + m[0].length;
      const end = i + 1 < marks.length ? marks[i + 1]!.index! : text.length;
      const body = text.slice(start, end).trim();
      if (!byNumber.has(n) && body) byNumber.set(n, body);
    });
    const out: string[] = [];
    for (let n = 1; byNumber.has(n); n++) out.push(byNumber.get(n)!);
    if (out.length > 0) return out;
  }
  return [];
}
