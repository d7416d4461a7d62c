import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('loadConfig accepted bad budgets');
}

describe('MJ_BUDGETS / MJ_BUDGETS_FILE', () => {
  test('an inline document becomes config.budgets, normalised', () => {
    const budgets = [{ scope: 'tenant', id: 'acme', limit: 5, period: 'day', onExceed: 'refuse' }];
    expect(loadConfig({ MJ_BUDGETS: JSON.stringify({ budgets }) }).budgets).toEqual({ budgets });
    expect(loadConfig({}).budgets).toBeUndefined();
  });

  test('each bad field is named with its path', () => {
    const doc = {
      budgets: [
        { scope: 'tenant', limit: 0, period: 'day', onExceed: 'refuse' },
        { scope: 'team', limit: 1, period: 'day', onExceed: 'ask' },
      ],
    };
    const message = configError({ MJ_BUDGETS: JSON.stringify(doc) });
    expect(message).toContain('MJ_BUDGETS.budgets[0].limit: must be a number > 0');
    expect(message).toContain('MJ_BUDGETS.budgets[1].scope: must be one of "tenant", "batch", "pipeline", "all"');
    expect(message).toContain('MJ_BUDGETS.budgets[1].onExceed: must be one of "refuse", "park"');
    expect(configError({ MJ_BUDGETS: '{nope' })).toContain('MJ_BUDGETS: must be JSON');
  });

  test('a file is read, its errors named by MJ_BUDGETS_FILE; a missing file and both variables are errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'budgets-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ budgets: [{ scope: 'all', limit: 9, period: 'month', onExceed: 'park' }] }));
    expect(loadConfig({ MJ_BUDGETS_FILE: good }).budgets?.budgets[0]?.limit).toBe(9);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ budgets: [{ scope: 'all', limit: 9, period: 'week', onExceed: 'park' }] }));
    expect(configError({ MJ_BUDGETS_FILE: bad })).toContain('MJ_BUDGETS_FILE.budgets[0].period');
    expect(configError({ MJ_BUDGETS_FILE: join(dir, 'none.json') })).toContain('MJ_BUDGETS_FILE: file not found');
    expect(configError({ MJ_BUDGETS_FILE: good, MJ_BUDGETS: '{}' })).toContain('set only one of');
  });
});
