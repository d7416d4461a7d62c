/**
 * Enumerations and small rules declared once (src/shared): each now serves several callers, so each is tested here
 * on every form its former copies handled, and the callers that still hold a copy are checked against it.
 */
import { STATUS_BY_PHASE } from '../../../src/gateway/tasks/status-map';
import type * as MjTypes from '../../../src/mj/types';
import {
  DEFAULT_FLAVOUR,
  isMjFlavour,
  MJ_FLAVOURS,
  type MjAuthScheme,
  type MjFlavour,
} from '../../../src/mj/terms/flavours';
import { isTerminalPhase, JOB_PHASES, TERMINAL_JOB_PHASES } from '../../../src/shared/job-phases';
import { parseProgress, progressText } from '../../../src/mj/terms/progress';
import { SPEED_MODE_LIST, speedModeOf, type SpeedMode } from '../../../src/mj/terms/speed-modes';
import { isTenantName, TENANT_NAME_RULE } from '../../../src/shared/tenant-name';
import { jobWorkflowId, parseJobWorkflowId } from '../../../src/tenancy/task-id';
import { DAY_MS, nextUtcDayStart, utcDay, utcMonth } from '../../../src/shared/utc-calendar';
import { optionsFromArgv } from '../../../src/simulator/cli';
import { resolveOptions } from '../../../src/simulator/options';
import { Backoff } from '../../../src/workflows/common/backoff';
import { jittered, jitteredBelow } from '../../../src/workflows/common/jitter';
import { progressRank } from '../../../src/workflows/job/poll';

// Compile-time: the types src/mj/types.ts still spells out equal the ones derived from the lists.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _speedModes: Same<MjTypes.SpeedMode, SpeedMode> = true;
const _flavours: Same<MjTypes.MjFlavour, MjFlavour> = true;
const _authSchemes: Same<MjTypes.MjAuthScheme, MjAuthScheme> = true;
void [_speedModes, _flavours, _authSchemes];

describe('parseProgress: every form the former copies read', () => {
  test.each<[string | null | undefined, number | null]>([
    ['46%', 46],
    ['0%', 0],
    ['100%', 100],
    ['(62%)', 62],
    ['46 %', 46],
    ['12.5%', 12.5],
    // The console read only whole numbers: "46.5%" gave 5.
    ['46.5%', 46.5],
    ['150%', 100],
    // The task parser read at most three digits: "1000%" gave 0.
    ['1000%', 100],
    ['', null],
    ['Waiting to start', null],
    ['46', null],
    [null, null],
    [undefined, null],
  ])('%j → %p', (text, pct) => {
    expect(parseProgress(text)).toBe(pct);
  });

  test('the job ranks progress hints with it', () => {
    expect(progressRank('IN_PROGRESS', '46.5%')).toBeCloseTo(3.465, 10);
    expect(progressRank('IN_PROGRESS', '1000%')).toBe(4);
    expect(progressRank('IN_PROGRESS', 'Waiting to start')).toBe(3);
    expect(progressRank('SUBMITTED', '46%')).toBe(1);
  });

  test.each<[string | undefined, string | undefined]>([
    ['46%', '46%'],
    ['(62%)', '62%'],
    ['46.5%', '46%'],
    ['99.6%', '99%'],
    ['150%', '100%'],
    ['Waiting to start', undefined],
    [undefined, undefined],
  ])('progressText(%j) → %j (the proxies\u2019 "N%" form)', (text, out) => {
    expect(progressText(text)).toBe(out);
  });
});

describe('tenant names', () => {
  test.each(['a', 'acme', 'team_1', 'x-y', '0abc', 'a'.repeat(40)])('%j is a tenant name', (name) => {
    expect(isTenantName(name)).toBe(true);
  });
  test.each(['', '-a', '_a', 'Acme', 'a.b', 'a b', 'a'.repeat(41), 7])('%j is not', (name) => {
    expect(isTenantName(name)).toBe(false);
  });
  test("a gateway job's workflow id carries exactly the tenant names the rule allows", () => {
    const id = '1712345678901234';
    for (const tenant of ['a', 'team_1', 'x-y', 'a'.repeat(40)])
      expect(parseJobWorkflowId(jobWorkflowId(tenant, id))).toEqual({ tenant, taskId: id });
    for (const tenant of ['-a', 'Acme', 'a.b', 'a'.repeat(41)])
      expect(parseJobWorkflowId(jobWorkflowId(tenant, id))).toBeUndefined();
  });
  test('the wording names the length and the characters', () => {
    expect(TENANT_NAME_RULE).toBe('1-40 of [a-z0-9_-], starting with a letter or digit');
  });
});

describe('speed modes and flavours', () => {
  test('speedModeOf reads any case and nothing else', () => {
    expect(['relax', 'Fast', 'TURBO', 'slow', '', undefined, 1].map(speedModeOf)).toEqual([
      'RELAX',
      'FAST',
      'TURBO',
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(SPEED_MODE_LIST).toBe('FAST, RELAX, TURBO');
  });
  test('the simulator offers and checks the same flavours', () => {
    for (const f of MJ_FLAVOURS) expect(optionsFromArgv(['node', 'cli', '--flavour', f]).flavour).toBe(f);
    expect(optionsFromArgv(['node', 'cli']).flavour).toBe(DEFAULT_FLAVOUR);
    expect(() => resolveOptions({ flavour: 'midjourney' as MjFlavour })).toThrow(
      'unknown flavour "midjourney"; use novicezk, plus, trueai, gateway'
    );
    expect(isMjFlavour('gateway')).toBe(true);
    expect(isMjFlavour('Gateway')).toBe(false);
  });
});

describe('job phases', () => {
  test('exactly succeeded, failed and cancelled are terminal', () => {
    expect(JOB_PHASES.filter(isTerminalPhase)).toEqual(['succeeded', 'failed', 'cancelled']);
    expect(isTerminalPhase(undefined)).toBe(false);
    expect(isTerminalPhase('SUCCESS')).toBe(false);
  });
  test("the gateway's status table has one row per phase, terminal ones at 100%", () => {
    expect(STATUS_BY_PHASE.map((r) => r.phase).sort()).toEqual([...JOB_PHASES].sort());
    for (const p of TERMINAL_JOB_PHASES) expect(STATUS_BY_PHASE.find((r) => r.phase === p)?.progress).toBe('100%');
  });
});

describe('jitter', () => {
  // The formulas the slot and upstream managers held privately, kept for replay: a change moves their timers.
  const managersFormula = (ms: number, fraction: number, r: number) =>
    Math.max(1, Math.round(ms * (1 + (r * 2 - 1) * fraction)));
  test.each([0, 0.1, 0.25, 0.5, 0.75, 0.999])('random %p: same wait as the former copies', (r) => {
    expect(jittered(60_000, 0.2, () => r)).toBe(managersFormula(60_000, 0.2, r));
    expect(jittered(1_234, 0.15, () => r)).toBe(managersFormula(1_234, 0.15, r));
    expect(jitteredBelow(10_000, 0.2, () => r)).toBe(Math.max(1, Math.round(10_000 * (1 - 0.2 * r))));
  });
  test('the backoff helper draws its spread from the same formula', () => {
    const b = new Backoff({ initialMs: 1_000, maxMs: 8_000, jitter: 0.5 }, undefined, {
      now: () => 0,
      random: () => 0.75,
    });
    expect([b.next(), b.next(), b.next()]).toEqual([1_250, 2_500, 5_000]);
    expect(jittered(1_000, 0.5, () => 0.75)).toBe(1_250);
  });
});

describe('UTC calendar', () => {
  // The upstream pool's former utcDay floored to the day first; the ledger's did not. Both read the same day.
  const flooredDay = (at: number) => new Date(Math.floor(at / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
  test.each([0, 1, DAY_MS - 1, DAY_MS, Date.UTC(2026, 11, 5, 23, 59, 59, 999), -1, -DAY_MS - 1])('%p', (at) => {
    expect(utcDay(at)).toBe(flooredDay(at));
    expect(utcMonth(at)).toBe(utcDay(at).slice(0, 7));
    expect(nextUtcDayStart(at)).toBe(Date.parse(flooredDay(at)) + DAY_MS);
  });
});
