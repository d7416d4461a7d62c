import { collapseDuplicateTasks, MjResponseError, parseProgress, parseTask, parseTaskList } from '../../../src/mj';
import { loadFixture } from './support';

const minimal = { id: '1748339029401828', action: 'IMAGINE', status: 'IN_PROGRESS' };

describe('parseProgress', () => {
  test.each<[string | null | undefined, number | null]>([
    ['46%', 46],
    ['0%', 0],
    ['100%', 100],
    ['(62%)', 62],
    ['12.5%', 12.5],
    ['', null],
    ['Waiting to start', null],
    [null, null],
    [undefined, null],
    ['150%', 100],
  ])('%j → %p', (text, pct) => {
    expect(parseProgress(text)).toBe(pct);
  });
});

describe('parseTask tolerance (§14.10)', () => {
  test('a real N webhook body', () => {
    const task = parseTask(loadFixture('n-task-imagine-notify.json'));
    expect(task).toMatchObject({
      id: '14001929738841620',
      action: 'IMAGINE',
      status: 'SUCCESS',
      prompt: '猫猫',
      promptEn: 'Cat',
      submitTime: 1689231405854,
      finishTime: 1689231544312,
      progressPct: 100,
      finalPrompt: 'Cat',
      failReason: null,
      buttons: [],
      imageUrls: [],
      mode: null,
    });
  });

  test('a numeric id becomes a string', () => {
    expect(parseTask({ ...minimal, id: 1320098173412546 }).id).toBe('1320098173412546');
  });

  test('null and 0 timestamps become null', () => {
    const task = parseTask({ ...minimal, submitTime: 0, startTime: null, finishTime: '1689231544312' });
    expect([task.submitTime, task.startTime, task.finishTime]).toEqual([null, null, 1689231544312]);
  });

  test.each<[unknown, string, number | null]>([
    ['46%', '46%', 46],
    ['', '', null],
    ['Waiting to start', 'Waiting to start', null],
    [null, '', null],
  ])('progress %j', (progress, text, pct) => {
    const task = parseTask({ ...minimal, progress });
    expect(task.progress).toBe(text);
    expect(task.progressPct).toBe(pct);
  });

  test('SUCCESS means 100% even when progress lags', () => {
    expect(parseTask({ ...minimal, status: 'SUCCESS', progress: '93%' }).progressPct).toBe(100);
  });

  test('unknown status and action strings are kept verbatim', () => {
    const task = parseTask({ ...minimal, status: 'CANCEL', action: 'CUSTOM_ZOOM' });
    expect([task.status, task.action]).toEqual(['CANCEL', 'CUSTOM_ZOOM']);
  });

  test('unknown fields are dropped', () => {
    const task = parseTask({ ...minimal, seed: '123', jobId: 'abc', imageWidth: 2048, customId: '', maskBase64: '' });
    expect(task).not.toHaveProperty('seed');
    expect(task).not.toHaveProperty('imageWidth');
    expect(task).not.toHaveProperty('maskBase64');
  });

  test.each([[null], [[]], [undefined], ['garbage']])('buttons %p → []', (buttons) => {
    expect(parseTask({ ...minimal, buttons }).buttons).toEqual([]);
  });

  test('buttons without a customId are dropped; type/style default to a grey button', () => {
    const task = parseTask({
      ...minimal,
      buttons: [{ label: 'link' }, { customId: 'MJ::JOB::upsample::1::h', emoji: null, label: 'U1' }],
    });
    expect(task.buttons).toEqual([{ customId: 'MJ::JOB::upsample::1::h', emoji: '', label: 'U1', type: 2, style: 2 }]);
  });

  test('properties are free-form; finalPrompt is lifted only when it is a string', () => {
    expect(parseTask({ ...minimal, properties: null }).properties).toEqual({});
    const task = parseTask({ ...minimal, properties: { finalPrompt: 'a fox --v 7', flags: 0, nested: { a: 1 } } });
    expect(task.finalPrompt).toBe('a fox --v 7');
    expect(task.properties).toEqual({ finalPrompt: 'a fox --v 7', flags: 0, nested: { a: 1 } });
    expect(parseTask({ ...minimal, properties: { finalPrompt: 7 } }).finalPrompt).toBeNull();
  });

  test("finalZhPrompt, the Chinese twin, is lifted like finalPrompt (plus's shorten)", () => {
    const raw = loadFixture('p-task-shorten.json') as { properties: { finalPrompt: string; finalZhPrompt: string } };
    const task = parseTask(raw);
    expect(task.finalPrompt).toBe(raw.properties.finalPrompt);
    expect(task.finalZhPrompt).toBe(raw.properties.finalZhPrompt);
    expect(task.finalZhPrompt).toContain('## 简化提示\n1️⃣ ');
    expect(parseTask({ ...minimal, properties: { finalPrompt: 'a' } }).finalZhPrompt).toBeNull();
    expect(parseTask({ ...minimal, properties: { finalZhPrompt: 7 } }).finalZhPrompt).toBeNull();
  });

  test('imageUrls / videoUrls accept {url, thumbnail} objects and bare strings', () => {
    const task = parseTask({
      ...minimal,
      imageUrls: [
        { url: 'https://cdn.midjourney.com/j/0_0.png', thumbnail: null },
        'https://cdn.midjourney.com/j/0_1.png',
        { nope: true },
      ],
      videoUrl: 'https://cdn.midjourney.com/video/j/0_0.mp4',
      videoUrls: [
        {
          url: 'https://cdn.midjourney.com/video/j/0_0.mp4',
          thumbnail: 'https://cdn.midjourney.com/video/j/0_0_640_N.webp',
        },
      ],
    });
    expect(task.imageUrls).toEqual([
      { url: 'https://cdn.midjourney.com/j/0_0.png' },
      { url: 'https://cdn.midjourney.com/j/0_1.png' },
    ]);
    expect(task.videoUrls).toEqual([
      {
        url: 'https://cdn.midjourney.com/video/j/0_0.mp4',
        thumbnail: 'https://cdn.midjourney.com/video/j/0_0_640_N.webp',
      },
    ]);
    expect(task.videoUrl).toBe('https://cdn.midjourney.com/video/j/0_0.mp4');
  });

  test('mode is kept only when valid; G zero values become null', () => {
    expect(parseTask({ ...minimal, mode: 'RELAX' }).mode).toBe('RELAX');
    expect(parseTask({ ...minimal, mode: 'fast' }).mode).toBe('FAST');
    expect(parseTask({ ...minimal, mode: '' }).mode).toBeNull();
    expect(parseTask({ ...minimal, mode: 'LIGHTSPEED' }).mode).toBeNull();
    const g = parseTask({ ...minimal, imageUrl: '', failReason: '', parentId: '', state: '' });
    expect([g.imageUrl, g.failReason, g.parentId, g.state]).toEqual([null, null, null, '']);
  });

  test('a body that is not a task is a bad response with a short summary, never the body', () => {
    const notTasks: unknown[] = [
      null,
      'SECRET-BODY-TEXT',
      [1, 2],
      { code: 4, description: 'SECRET-BODY-TEXT' },
      { id: '', status: 'SUCCESS', prompt: 'SECRET-BODY-TEXT' },
    ];
    for (const body of notTasks) {
      let caught: unknown;
      try {
        parseTask(body);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(MjResponseError);
      const err = caught as MjResponseError;
      expect(err.code).toBe('MJ_BAD_RESPONSE');
      expect(err.retryable).toBe(false);
      expect(err.message).not.toContain('SECRET-BODY-TEXT');
      expect(err.issues.length).toBeGreaterThan(0);
    }
  });

  test('parseTaskList parses arrays and names the bad element', () => {
    expect(parseTaskList([minimal, { ...minimal, id: '2' }]).map((t) => t.id)).toEqual(['1748339029401828', '2']);
    expect(() => parseTaskList([minimal, { nope: 1 }])).toThrow(/\[1\] id/);
    expect(() => parseTaskList({ items: [] })).toThrow(MjResponseError);
  });
});

describe('gateway rows', () => {
  const row = (status: string, progress: string) => ({ ...minimal, status, progress });

  test('a row with no status is a stub: "not yet known", never a status to act on', () => {
    const stub = parseTask({ ...minimal, status: '', progress: '0%', buttons: null, properties: null, startTime: 0 });
    expect(stub).toMatchObject({ stub: true, status: '', buttons: [], startTime: null });
    expect(parseTask(minimal).stub).toBe(false);
  });

  test('collapseDuplicateTasks keeps one copy per id, the one that got furthest, in first-seen order', () => {
    const other = { ...minimal, id: '2', status: 'SUBMITTED' };
    const list = parseTaskList([row('MODAL', ''), other, row('SUCCESS', '100%'), row('', '0%')]);
    const out = collapseDuplicateTasks(list);
    expect(out.map((t) => [t.id, t.status])).toEqual([
      [minimal.id, 'SUCCESS'],
      ['2', 'SUBMITTED'],
    ]);
    const running = collapseDuplicateTasks(parseTaskList([row('IN_PROGRESS', '31%'), row('IN_PROGRESS', '62%')]));
    expect(running.map((t) => t.progress)).toEqual(['62%']);
    expect(collapseDuplicateTasks(parseTaskList([row('', '0%'), row('SUBMITTED', '0%')]))[0].stub).toBe(false);
  });
});
