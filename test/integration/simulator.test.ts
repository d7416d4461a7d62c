/**
 * The simulator over real loopback HTTP: lifecycle, buttons, actions and MODAL, flavour shapes, queueing, content
 * policy, scripted outcomes and the other submit endpoints. Time is a ManualClock unless a test says otherwise.
 */
import {
  agent,
  decodePng,
  fetchTask,
  finishedAction,
  finishedImagine,
  get,
  http,
  imagine,
  pixel,
  pngDataUrl,
  post,
  simulators,
  webhookReceiver,
  type TaskJson,
} from '../helpers/simulator-support';

const start = simulators();
afterAll(() => agent.close());

const PROGRESS = ['0%', '15%', '31%', '46%', '62%', '78%', '93%'];

describe('imagine lifecycle (trueai)', () => {
  it('walks SUBMITTED → IN_PROGRESS in ~15-point steps → SUCCESS as the clock advances', async () => {
    const { sim, clock } = await start();
    const res = await post(sim, '/mj/submit/imagine', { prompt: 'a red fox', state: 'wf-1|0' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ code: 1, description: '提交成功', result: expect.stringMatching(/^\d{16}$/) });
    const id = res.json.result as string;

    let t = await fetchTask(sim, id);
    expect(t).toMatchObject({
      status: 'SUBMITTED',
      progress: '0%',
      buttons: [],
      imageUrl: null,
      finishTime: null,
      state: 'wf-1|0',
    });
    expect(t.startTime).toBe(clock.now());

    const seen: string[] = [];
    clock.advance(5_000);
    for (let i = 0; i < 7; i++) {
      t = await fetchTask(sim, id);
      expect(t.status).toBe('IN_PROGRESS');
      expect(t.imageUrl).toContain(`/preview_${parseInt(t.progress)}_`);
      seen.push(t.progress);
      clock.advance(45_000 / 7 + 1);
    }
    expect(seen).toEqual(PROGRESS);
    t = await fetchTask(sim, id);
    expect(t).toMatchObject({ status: 'SUCCESS', progress: '100%', failReason: '', mode: 'FAST', action: 'IMAGINE' });
    expect(t.buttons).toHaveLength(9);
    expect(t.buttons[0].customId).toBe(`MJ::JOB::upsample::1::${t.properties.messageHash}`);
    expect(t.finishTime).toBeGreaterThan(t.startTime);
    expect(t.imageUrl).toMatch(/\/grid_[0-9a-f-]+\.png\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]{64}&$/);
    expect(t.imageUrls.map((u: { url: string }) => u.url.replace(/.*\//, ''))).toEqual([
      '0_0.png',
      '0_1.png',
      '0_2.png',
      '0_3.png',
    ]);
  });

  it('T sets state to "" on success when none was sent', async () => {
    const { sim } = await start();
    expect((await finishedImagine(sim)).state).toBe('');
  });

  it('gives unique 16-digit ids to a burst submitted in the same millisecond', async () => {
    const { sim } = await start({ queueSize: 100, concurrency: { FAST: 100 } });
    const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => imagine(sim, `cat ${i}`)));
    expect(new Set(ids).size).toBe(60);
    for (const id of ids) expect(id).toMatch(/^\d{16}$/);
  });

  it('runs on a real clock sped up by timeScale', async () => {
    const { sim } = await start({ timeScale: 5_000 });
    const id = await imagine(sim, 'fast cat');
    const deadline = Date.now() + 2_000;
    let t = await fetchTask(sim, id);
    while (t.status !== 'SUCCESS' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      t = await fetchTask(sim, id);
    }
    expect(t.status).toBe('SUCCESS');
  });
});

describe('buttons per version', () => {
  it.each([
    ['--v 6.1', 'upsample_v6r1_2x_subtle', true],
    ['--v 7', 'upsample_v7_2x_subtle', true],
    ['--niji 6', 'upsample_v6_2x_subtle', true],
    ['--v 8', null, false],
  ])('upscale of a %s grid', async (flag, hd, zoomPan) => {
    const { sim } = await start();
    const grid = await finishedImagine(sim, `a lighthouse ${flag}`);
    const up = await finishedAction(sim, grid, 'upsample::1::');
    const ids = (up.buttons as { customId: string }[]).map((b) => b.customId);
    const hash = up.properties.messageHash as string;
    if (hd) expect(ids).toContain(`MJ::JOB::${hd}::1::${hash}::SOLO`);
    else expect(ids.join()).not.toMatch(/upsample_/);
    expect(ids.some((id) => id.startsWith('MJ::Outpaint::50::1::'))).toBe(zoomPan);
    expect(ids.some((id) => id.includes('pan_left'))).toBe(zoomPan);
    expect(ids).toContain(`MJ::Inpaint::1::${hash}::SOLO`);
    expect(ids).toContain(`MJ::JOB::low_variation::1::${hash}::SOLO`);
  });

  it('defaultVersion decides when the prompt has no --v', async () => {
    const { sim } = await start({ defaultVersion: '6.1' });
    const up = await finishedAction(sim, await finishedImagine(sim), 'upsample::2::');
    expect(up.buttons.map((b: { customId: string }) => b.customId).join()).toContain('upsample_v6r1_2x_creative');
    expect(up.version).toBe('v 6.1');
  });
});

describe('actions', () => {
  it('an upscale is a single image of the chosen grid quadrant', async () => {
    const { sim } = await start();
    const grid = await finishedImagine(sim);
    const up = await finishedAction(sim, grid, 'upsample::3::');
    expect(up).toMatchObject({ action: 'UPSCALE', parentId: grid.id, description: `/up ${grid.id} U3` });
    const gridPng = decodePng((await http(grid.imageUrl, 'GET', '')).bytes);
    const upPng = decodePng((await http(up.imageUrl, 'GET', '')).bytes);
    expect(upPng.width).toBe(256);
    expect(pixel(upPng, 128, 128)).toBe(pixel(gridPng, 128, 384));
    expect(pixel(upPng, 128, 128)).not.toBe(pixel(gridPng, 128, 128));
  });

  it('refuses a missing parent (T: HTTP 404 + code 3), an unfinished one and an unknown customId (code 4)', async () => {
    const { sim } = await start();
    const missing = await post(sim, '/mj/submit/action', {
      taskId: '1767225600000999',
      customId: 'MJ::JOB::upsample::1::x',
    });
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 3, description: '关联任务不存在或已失效' });
    const running = await imagine(sim, 'slow cat');
    const early = await post(sim, '/mj/submit/action', { taskId: running, customId: 'MJ::JOB::upsample::1::x' });
    expect(early.json).toMatchObject({ code: 4, description: '关联任务状态错误' });
    const grid = await finishedImagine(sim);
    const unknown = await post(sim, '/mj/submit/action', {
      taskId: grid.id,
      customId: 'MJ::JOB::upsample::1::not-this-hash',
    });
    expect(unknown.json.code).toBe(4);
  });

  it('Vary (Region): 21 + MODAL child (no webhook), mask required, then SUCCESS', async () => {
    const { sim } = await start();
    const hook = await webhookReceiver();
    try {
      const up = await finishedAction(sim, await finishedImagine(sim), 'upsample::1::');
      const region = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::Inpaint::'));
      const res = await post(sim, '/mj/submit/action', {
        taskId: up.id,
        customId: region.customId,
        notifyHook: hook.url,
        state: 'vr',
      });
      expect(res.json).toMatchObject({
        code: 21,
        description: 'Waiting for window confirm',
        properties: { remix: true },
      });
      expect(typeof res.json.properties.finalPrompt).toBe('string');
      const childId = res.json.result as string;
      expect(await fetchTask(sim, childId)).toMatchObject({
        status: 'MODAL',
        parentId: up.id,
        action: 'VARIATION',
        prompt: '',
      });

      expect((await post(sim, '/mj/submit/modal', { taskId: childId, prompt: 'a hat' })).json.code).toBe(4);
      const jpegMask = 'data:image/jpeg;base64,/9j/4AAQSkZJRg==';
      expect(
        (await post(sim, '/mj/submit/modal', { taskId: childId, prompt: 'a hat', maskBase64: jpegMask })).json.code
      ).toBe(4);
      expect(
        (await post(sim, '/mj/submit/modal', { taskId: up.id, prompt: 'a hat', maskBase64: pngDataUrl() })).json
      ).toMatchObject({
        code: 4,
        description: '关联任务状态错误',
      });

      const ok = await post(sim, '/mj/submit/modal', {
        taskId: childId,
        prompt: 'a red hat',
        maskBase64: pngDataUrl(),
      });
      expect(ok.json).toMatchObject({ code: 1, result: childId });
      sim.completeNow(childId);
      const child = await fetchTask(sim, childId);
      expect(child).toMatchObject({ status: 'SUCCESS', prompt: 'a red hat' });
      expect(child.buttons).toHaveLength(9);
      await sim.webhooksIdle();
      expect(hook.bodies.map((b) => b.status)).toEqual(['SUBMITTED', 'SUCCESS']);
    } finally {
      await hook.close();
    }
  });

  it('Custom Zoom parks in MODAL and needs --zoom in the modal prompt', async () => {
    const { sim } = await start();
    const up = await finishedAction(sim, await finishedImagine(sim), 'upsample::1::');
    const zoom = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::CustomZoom::'));
    const res = await post(sim, '/mj/submit/action', { taskId: up.id, customId: zoom.customId });
    expect(res.json.code).toBe(21);
    expect((await post(sim, '/mj/submit/modal', { taskId: res.json.result, prompt: 'cat --ar 1:1' })).json.code).toBe(
      4
    );
    expect(
      (await post(sim, '/mj/submit/modal', { taskId: res.json.result, prompt: 'cat --ar 1:1 --zoom 1.5' })).json.code
    ).toBe(1);
    expect((await fetchTask(sim, res.json.result)).action).toBe('ZOOM');
  });

  it('variations go straight through without Remix, park in MODAL with remix or enableRemix (T)', async () => {
    const { sim } = await start();
    const grid = await finishedImagine(sim);
    const v1 = grid.buttons.find((b: { label: string }) => b.label === 'V1').customId;
    expect((await post(sim, '/mj/submit/action', { taskId: grid.id, customId: v1 })).json.code).toBe(1);
    expect((await post(sim, '/mj/submit/action', { taskId: grid.id, customId: v1, enableRemix: true })).json.code).toBe(
      21
    );

    const remix = (await start({ remix: true })).sim;
    const g2 = await finishedImagine(remix);
    const res = await post(remix, '/mj/submit/action', { taskId: g2.id, customId: g2.buttons[4].customId });
    expect(res.json.code).toBe(21);
    const modal = await post(remix, '/mj/submit/modal', { taskId: res.json.result, prompt: 'a blue fox' });
    expect(modal.json.code).toBe(1);
    expect(await fetchTask(remix, res.json.result)).toMatchObject({
      status: 'SUBMITTED',
      action: 'IMAGINE',
      prompt: 'a blue fox',
    });
  });

  it('gateway: 21 → 1 for a remix variation but the child fetch shows MODAL; INPAINT keeps 21', async () => {
    // refreshMs 0: the gateway refreshes its copy on every read, so completeNow shows at once.
    const { sim } = await start({ flavour: 'gateway', remix: true, gateway: { refreshMs: 0 } });
    const grid = await finishedImagine(sim);
    expect(grid.buttons).toHaveLength(9);
    const v2 = grid.buttons.find((b: { label: string }) => b.label === 'V2').customId;
    const res = await post(sim, '/mj/submit/action', { taskId: grid.id, customId: v2 });
    expect(res.json).toMatchObject({ code: 1, description: 'Waiting for window confirm' });
    expect(await fetchTask(sim, res.json.result)).toMatchObject({
      status: 'MODAL',
      action: 'VARIATION',
      state: '',
      startTime: 0,
    });

    const up = await finishedAction(sim, grid, 'upsample::1::');
    const region = up.buttons.find((b: { customId: string }) => b.customId.startsWith('MJ::Inpaint::')).customId;
    const inpaint = await post(sim, '/mj/submit/action', { taskId: up.id, customId: region });
    expect(inpaint.json.code).toBe(21);
    expect((await fetchTask(sim, inpaint.json.result)).action).toBe('INPAINT');
  });

  it('gateway refuses customIds new-api cannot name (middleware envelope), and checks the parent itself', async () => {
    const { sim } = await start({ flavour: 'gateway' });
    const unknown = await post(sim, '/mj/submit/action', { taskId: '1', customId: 'MJ::Job::PicReader::1' });
    expect(unknown.status).toBe(400);
    expect(unknown.json).toEqual({
      error: { message: '无效的请求, unknown_action:MJ::Job::PicReader::1', type: 'new_api_error' },
    });
    const missing = await post(sim, '/mj/submit/action', { taskId: '1', customId: 'MJ::JOB::upsample::1::x' });
    expect(missing.json).toEqual({ description: 'task_not_found ', type: 'upstream_error', code: 4 });
  });

  it('T bookmark answers with the parent id and creates nothing', async () => {
    const { sim } = await start();
    const up = await finishedAction(sim, await finishedImagine(sim), 'upsample::1::');
    const before = sim.stats().tasks;
    const bm = up.buttons.find((b: { customId: string }) => b.customId.includes('MJ::BOOKMARK')).customId;
    expect((await post(sim, '/mj/submit/action', { taskId: up.id, customId: bm })).json).toMatchObject({
      code: 1,
      result: up.id,
    });
    expect(sim.stats().tasks).toBe(before);
  });

  it('T reroll of an upscale is a new IMAGINE grid; HD upscale is UPSCALE_HD', async () => {
    const { sim } = await start();
    const up = await finishedAction(sim, await finishedImagine(sim), 'upsample::1::');
    expect((await finishedAction(sim, up, 'reroll::0::')).action).toBe('IMAGINE');
    const hd = await finishedAction(sim, up, '_2x_subtle');
    expect(hd.action).toBe('UPSCALE_HD');
    expect(hd.buttons.map((b: { customId: string }) => b.customId).join()).not.toMatch(/upsample_|pan_/);
  });
});

describe('describe, shorten, blend, video, upload', () => {
  it('describe: four numbered prompts; a pick parks in MODAL with that line', async () => {
    const { sim } = await start();
    const res = await post(sim, '/mj/submit/describe', { base64: pngDataUrl() });
    expect(res.json.code).toBe(1);
    sim.completeNow(res.json.result);
    const d = await fetchTask(sim, res.json.result);
    expect(d.action).toBe('DESCRIBE');
    expect(d.properties.finalPrompt).toMatch(/^1️⃣ .+\n\n2️⃣ .+\n\n3️⃣ .+\n\n4️⃣ .+$/s);
    expect(d.promptEn.split('\r\n')).toHaveLength(4);
    expect((await http(d.imageUrl, 'GET', '')).status).toBe(200);
    const pick = await post(sim, '/mj/submit/action', { taskId: d.id, customId: 'MJ::Job::PicReader::2' });
    expect(pick.json.code).toBe(21);
    expect(pick.json.properties.finalPrompt).toBe(d.promptEn.split('\r\n')[1]);
    const all = await post(sim, '/mj/submit/action', { taskId: d.id, customId: 'MJ::Job::PicReader::all' });
    expect(all.json.code).toBe(1);
    expect(String(all.json.result).split(',')).toHaveLength(4);
  });

  it('shorten: markdown result; a pick without Remix submits an IMAGINE at once', async () => {
    const { sim } = await start();
    const res = await post(sim, '/mj/submit/shorten', {
      prompt: 'a very detailed painting of a quiet harbour at dawn --ar 3:2',
    });
    sim.completeNow(res.json.result);
    const s = await fetchTask(sim, res.json.result);
    expect(s.properties.finalPrompt).toMatch(/^## Important tokens\n.+\n\n## Shortened prompts\n1️⃣ .+5️⃣ /s);
    const pick = await post(sim, '/mj/submit/action', { taskId: s.id, customId: 'MJ::Job::PromptAnalyzer::3' });
    expect(pick.json.code).toBe(1);
    expect((await fetchTask(sim, pick.json.result)).action).toBe('IMAGINE');
  });

  it('blend takes 2–5 images and maps dimensions to --ar', async () => {
    const { sim } = await start();
    expect((await post(sim, '/mj/submit/blend', { base64Array: [pngDataUrl()] })).json).toMatchObject({
      code: 4,
      description: '图片参数错误，2~5张图片',
    });
    const ok = await post(sim, '/mj/submit/blend', {
      base64Array: [pngDataUrl(), pngDataUrl(4)],
      dimensions: 'PORTRAIT',
    });
    expect(ok.json.code).toBe(1);
    const t = await fetchTask(sim, ok.json.result);
    expect(t).toMatchObject({ action: 'BLEND' });
    expect(t.properties.finalPrompt).toMatch(/--ar 2:3$/);
  });

  it('video: clips with video URLs and U buttons, then extend buttons on the upscaled clip', async () => {
    const { sim } = await start();
    const res = await post(sim, '/mj/submit/video', { prompt: 'waves --bs 2', motion: 'high', image: pngDataUrl() });
    sim.completeNow(res.json.result);
    const v = await fetchTask(sim, res.json.result);
    expect(v).toMatchObject({ action: 'VIDEO', status: 'SUCCESS' });
    expect(v.videoUrls).toHaveLength(2);
    expect(v.videoUrl).toMatch(/\/0_0\.mp4$/);
    expect((await http(v.videoUrl, 'GET', '')).headers['content-type']).toBe('video/mp4');
    const up = await finishedAction(sim, v, 'video_virtual_upscale::2::');
    expect(up.buttons.map((b: { customId: string }) => b.customId)).toEqual([
      `MJ::JOB::animate_high_extend::2::${up.properties.messageHash}`,
      `MJ::JOB::animate_low_extend::2::${up.properties.messageHash}`,
    ]);
    const ext = await post(sim, '/mj/submit/video', { action: 'extend', taskId: v.id, index: 1, prompt: 'more waves' });
    expect(ext.json.code).toBe(1);
  });

  it('upload-discord-images returns a string[] of URLs that serve the bytes back', async () => {
    const { sim } = await start();
    const img = pngDataUrl(5);
    const res = await post(sim, '/mj/submit/upload-discord-images', { base64Array: [img, pngDataUrl(6)] });
    expect(res.json.code).toBe(1);
    expect(res.json.result).toHaveLength(2);
    const served = await http(res.json.result[0], 'GET', '');
    expect(served.bytes.toString('base64')).toBe(img.split(',')[1]);
  });
});

describe('flavours', () => {
  it('novicezk: /change and /simple-change, no buttons field, no /action', async () => {
    const { sim } = await start({ flavour: 'novicezk' });
    const grid = await finishedImagine(sim);
    expect(grid).not.toHaveProperty('buttons');
    expect(grid.properties.messageHash).toMatch(/^[0-9a-f-]{36}$/);
    const ch = await post(sim, '/mj/submit/change', { taskId: grid.id, action: 'UPSCALE', index: 2 });
    expect(ch.json).toMatchObject({ code: 1, properties: { discordInstanceId: 'default' } });
    expect(await fetchTask(sim, ch.json.result)).toMatchObject({ action: 'UPSCALE', description: `/up ${grid.id} U2` });
    const simple = await post(sim, '/mj/submit/simple-change', { content: `${grid.id} V1` });
    expect((await fetchTask(sim, simple.json.result)).action).toBe('VARIATION');
    const reroll = await post(sim, '/mj/submit/simple-change', { content: `${grid.id} R` });
    expect((await fetchTask(sim, reroll.json.result)).action).toBe('REROLL');
    expect((await post(sim, '/mj/submit/change', { taskId: grid.id, action: 'UPSCALE', index: 5 })).json.code).toBe(4);
    sim.completeNow(ch.json.result);
    expect(
      (await post(sim, '/mj/submit/change', { taskId: ch.json.result, action: 'UPSCALE', index: 1 })).json.code
    ).toBe(4);
    const action = await post(sim, '/mj/submit/action', { taskId: grid.id, customId: 'x' });
    expect(action.status).toBe(404);
    expect(action.json).toMatchObject({ status: 404, error: 'Not Found' });
    expect((await post(sim, '/mj-relax/mj/submit/imagine', { prompt: 'cat' })).status).toBe(404);
  });

  it('trueai has no /change since v10', async () => {
    const { sim } = await start();
    const res = await post(sim, '/mj/submit/change', { taskId: '1', action: 'UPSCALE', index: 1 });
    expect(res.status).toBe(404);
    expect(res.text).toBe('');
  });

  it.each([
    ['novicezk', 200, ''],
    ['plus', 200, ''],
    ['trueai', 204, ''],
    ['gateway', 400, '{"description":"task_no_found ","type":"upstream_error","code":4}'],
  ] as const)('%s: fetch of an unknown id → %i', async (flavour, status, text) => {
    const { sim } = await start({ flavour });
    const res = await get(sim, '/mj/task/1767225600000123/fetch');
    expect(res.status).toBe(status);
    expect(res.text).toBe(text);
  });

  it('list: N newest first, T alias list-by-ids, gateway has no list', async () => {
    const n = (await start({ flavour: 'novicezk' })).sim;
    const a = await imagine(n, 'first');
    const b = await imagine(n, 'second');
    expect((await get(n, '/mj/task/list')).json.map((t: TaskJson) => t.id)).toEqual([b, a]);
    expect(
      (await post(n, '/mj/task/list-by-condition', { ids: [a, '404', b] })).json.map((t: TaskJson) => t.id)
    ).toEqual([a, b]);
    expect((await get(n, '/mj/task/queue')).json).toHaveLength(2);
    const t = (await start()).sim;
    const c = await imagine(t, 'x');
    expect((await post(t, '/mj/task/list-by-ids', { ids: [c] })).json).toHaveLength(1);
    const g = (await start({ flavour: 'gateway' })).sim;
    expect((await get(g, '/mj/task/list')).status).toBe(404);
  });

  it('gateway task copy: zero values, trimmed properties after the first poll, buttons at SUCCESS', async () => {
    const { sim, clock } = await start({ flavour: 'gateway' });
    const id = await imagine(sim, 'a cat', { state: 'mine' });
    clock.advance(15_000);
    const t = await fetchTask(sim, id);
    expect(t).toMatchObject({
      state: 'mine',
      finishTime: 0,
      buttons: [],
      failReason: '',
      customId: '',
      maskBase64: '',
    });
    expect(Object.keys(t.properties).sort()).toEqual(['finalPrompt', 'finalZhPrompt']);
    sim.completeNow(id);
    clock.advance(15_000);
    expect((await fetchTask(sim, id)).buttons).toHaveLength(9);
  });

  it('T cancel fails the task with 取消任务 and frees its slot; image-seed needs a started job', async () => {
    const { sim } = await start({ concurrency: { FAST: 1 } });
    const a = await imagine(sim, 'a');
    const b = await imagine(sim, 'b');
    expect((await fetchTask(sim, b)).status).toBe('NOT_START');
    expect((await get(sim, `/mj/task/${a}/image-seed`)).status).toBe(400);
    expect((await http(sim, 'POST', `/mj/task/${a}/cancel`)).status).toBe(200);
    expect(await fetchTask(sim, a)).toMatchObject({ status: 'FAILURE', failReason: '取消任务', progress: '' });
    expect((await fetchTask(sim, b)).status).toBe('SUBMITTED');
    sim.completeNow(b);
    const seed = await get(sim, `/mj/task/${b}/image-seed`);
    expect(seed.json).toMatchObject({ code: 1, result: expect.stringMatching(/^\d+$/) });
  });
});

describe('speed modes and queueing', () => {
  it('mode from path prefix, accountFilter.modes, prompt flag, else FAST; RELAX takes its own durations', async () => {
    const { sim, clock } = await start();
    const relax = await imagine(sim, 'a cat', {}, '/mj-relax/mj/submit/imagine');
    const turbo = await imagine(sim, 'a cat', { accountFilter: { modes: ['TURBO', 'FAST'] } });
    const flag = await imagine(sim, 'a cat --relax');
    const plain = await imagine(sim, 'a cat');
    clock.advance(60_000);
    expect(await fetchTask(sim, relax)).toMatchObject({ status: 'SUBMITTED', requestMode: 'RELAX' });
    expect(await fetchTask(sim, turbo)).toMatchObject({ status: 'SUCCESS', mode: 'TURBO' });
    expect((await fetchTask(sim, flag)).requestMode).toBe('RELAX');
    expect(await fetchTask(sim, plain)).toMatchObject({ status: 'SUCCESS', mode: 'FAST', requestMode: null });
    clock.advance(15 * 60_000);
    expect(await fetchTask(sim, relax)).toMatchObject({ status: 'SUCCESS', mode: 'RELAX' });
  });

  it('queues beyond concurrency with 22 + numberOfQueues, refuses beyond queueSize (T: code 9)', async () => {
    const { sim, clock } = await start({ concurrency: { FAST: 1 }, queueSize: 2 });
    const first = await post(sim, '/mj/submit/imagine', { prompt: 'one' });
    const second = await post(sim, '/mj/submit/imagine', { prompt: 'two' });
    const third = await post(sim, '/mj/submit/imagine', { prompt: 'three' });
    const fourth = await post(sim, '/mj/submit/imagine', { prompt: 'four', state: 'refused' });
    expect(first.json.code).toBe(1);
    expect(second.json).toMatchObject({
      code: 22,
      description: '排队中，前面还有1个任务',
      properties: { numberOfQueues: 1 },
    });
    expect(third.json).toMatchObject({ code: 22, properties: { numberOfQueues: 2 } });
    expect(fourth.json).toMatchObject({ code: 9, description: '提交失败，队列已满，请稍后重试', result: null });
    expect(sim.stats().submitsByState.refused).toBeUndefined();
    // Other modes and other accounts have their own slots.
    expect((await post(sim, '/mj-turbo/mj/submit/imagine', { prompt: 'turbo' })).json.code).toBe(1);
    expect(
      (await post(sim, '/mj/submit/imagine', { prompt: 'b', accountFilter: { instanceId: 'acc-2' } })).json.code
    ).toBe(1);
    clock.advance(50_001);
    expect((await fetchTask(sim, first.json.result)).status).toBe('SUCCESS');
    expect((await fetchTask(sim, second.json.result)).status).toBe('SUBMITTED');
    expect((await fetchTask(sim, third.json.result)).status).toBe('NOT_START');
  });

  it.each([
    ['novicezk', 22],
    ['plus', 22],
    ['gateway', 1],
  ] as const)('%s: queue-full is code 23; a queued submit answers %i', async (flavour, queued) => {
    const { sim } = await start({ flavour, concurrency: { FAST: 1 }, queueSize: 1 });
    await imagine(sim, 'one');
    const q = await post(sim, '/mj/submit/imagine', { prompt: 'two' });
    expect(q.json).toMatchObject({ code: queued, description: '排队中，前面还有1个任务' });
    const refused = await post(sim, '/mj/submit/imagine', { prompt: 'three' });
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({ code: 23, description: '队列已满，请稍后尝试' });
  });
});

describe('content policy and scripted outcomes', () => {
  it('novicezk refuses a banned word at submit with code 24', async () => {
    const { sim } = await start({ flavour: 'novicezk' });
    const res = await post(sim, '/mj/submit/imagine', { prompt: 'a BannedWord cat' });
    expect(res.json).toMatchObject({
      code: 24,
      description: '可能包含敏感词',
      properties: { bannedWord: 'bannedword' },
    });
    expect(sim.stats().tasks).toBe(0);
  });

  it('trueai accepts, then fails with 可能包含敏感词 before ever reaching SUBMITTED', async () => {
    const { sim } = await start();
    const hook = await webhookReceiver();
    try {
      const id = await imagine(sim, 'nsfw-test cat', { notifyHook: hook.url });
      expect(await fetchTask(sim, id)).toMatchObject({ status: 'FAILURE', failReason: '可能包含敏感词', progress: '' });
      await sim.webhooksIdle();
      expect(hook.bodies.map((b) => b.status)).toEqual(['FAILURE']);
    } finally {
      await hook.close();
    }
  });

  it.each(['plus', 'gateway'] as const)('%s: MidJourney moderator refuses after SUBMITTED', async (flavour) => {
    // The gateway refreshes on read here: the test is about the moderator's words, not about staleness.
    const { sim, clock } = await start({ flavour, bannedWords: ['forbidden'], gateway: { refreshMs: 0 } });
    const id = await imagine(sim, 'a forbidden cat');
    expect((await fetchTask(sim, id)).status).toBe('SUBMITTED');
    clock.advance(5_000);
    expect(await fetchTask(sim, id)).toMatchObject({
      status: 'FAILURE',
      failReason:
        '[Banned prompt detected] Sorry! Our AI moderator thinks this prompt is probably against our community standards.',
    });
  });

  it('--sim-fail kinds and --sim-timeout fail the way each flavour words it', async () => {
    const t = await start();
    const bad = await imagine(t.sim, 'cat --sim-fail invalid-parameter');
    const internal = await imagine(t.sim, 'cat --sim-fail internal');
    const timeout = await imagine(t.sim, 'cat --sim-timeout');
    t.clock.advance(5_000);
    expect(await fetchTask(t.sim, bad)).toMatchObject({
      status: 'FAILURE',
      failReason: expect.stringMatching(/^Invalid parameter, /),
    });
    expect((await fetchTask(t.sim, internal)).status).toBe('IN_PROGRESS');
    // internal breaks after the 46% step (~30.7 s); the stalled job stays at 0% until the run time is up (50 s).
    t.clock.advance(30_000);
    const mid = await fetchTask(t.sim, internal);
    expect(mid).toMatchObject({ status: 'FAILURE', failReason: expect.stringMatching(/^Internal Error, /) });
    expect(await fetchTask(t.sim, timeout)).toMatchObject({ status: 'IN_PROGRESS', progress: '0%' });
    t.clock.advance(15_000);
    expect(await fetchTask(t.sim, timeout)).toMatchObject({ status: 'FAILURE', failReason: '执行超时 5 分钟' });

    const n = await start({ flavour: 'novicezk' });
    const nt = await imagine(n.sim, 'cat --sim-timeout');
    const link = await imagine(n.sim, 'cat --sim-fail invalid-link');
    n.clock.advance(60_000);
    expect((await fetchTask(n.sim, nt)).failReason).toBe('任务超时');
    expect((await fetchTask(n.sim, link)).failReason).toMatch(/^\[Invalid link!\] /);
  });

  it('--sim-duration sets the total time and is removed from the echoed prompt', async () => {
    const { sim, clock } = await start();
    const id = await imagine(sim, 'cat --sim-duration 10 --ar 1:1');
    clock.advance(9_999);
    expect((await fetchTask(sim, id)).status).toBe('IN_PROGRESS');
    clock.advance(1);
    const t = await fetchTask(sim, id);
    expect(t.status).toBe('SUCCESS');
    expect(t.properties.finalPrompt).toBe('cat --ar 1:1');
    expect(t.prompt).toBe('cat --sim-duration 10 --ar 1:1');
  });

  it('a malformed marker is a code 4 validation error', async () => {
    const { sim } = await start();
    const res = await post(sim, '/mj/submit/imagine', { prompt: 'cat --sim-fail meteor' });
    expect(res.json.code).toBe(4);
    expect(res.json.description).toMatch(/meteor/);
  });
});
