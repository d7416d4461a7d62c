/**
 * `/mj/task/*` handlers and the gateway's `/mj/image/{id}`, with each flavour's not-found shape (contract §2.3).
 */
import type { SimCore } from './core';
import { MSG } from './flavour';
import { gatewayError, jsonReply, reject, submitResult, EMPTY_200, type Reply } from './responses';
import type { MjCall } from './submit';

/** Unknown id: N and plus 200 with an empty body, T 204, the gateway 400 `task_no_found`. */
function notFoundTask(core: SimCore): Reply {
  if (core.flavour === 'trueai') return { status: 204 };
  if (core.flavour === 'gateway') return gatewayError(4, 'task_no_found');
  return EMPTY_200;
}

/** `GET /mj/task/{id}/fetch`. */
export function fetchTask(core: SimCore, call: MjCall): Reply {
  if (core.gateway) return core.gateway.fetch(call.id ?? '');
  const task = call.id ? core.engine.get(call.id) : undefined;
  return task ? jsonReply(200, core.renderer.task(task)) : notFoundTask(core);
}

/** Missing ids are dropped silently; an empty or absent `ids` gives []. */
export function listByCondition(core: SimCore, call: MjCall): Reply {
  const ids = Array.isArray(call.body.ids) ? call.body.ids.map(String) : [];
  if (core.gateway) return core.gateway.list(ids);
  const found = [...new Set(ids)].map((id) => core.engine.get(id)).filter((t) => t !== undefined);
  return jsonReply(
    200,
    found.map((t) => core.renderer.task(t))
  );
}

/** N and plus list every task newest first; T only the latest 100. */
export function listTasks(core: SimCore): Reply {
  const all = core.engine.all();
  const shown = core.flavour === 'trueai' ? all.slice(0, 100) : all;
  return jsonReply(
    200,
    shown.map((t) => core.renderer.task(t))
  );
}

/** N's `GET /mj/task/queue`: tasks queued or running. */
export function queueTasks(core: SimCore): Reply {
  return jsonReply(
    200,
    core.engine.active().map((t) => core.renderer.task(t))
  );
}

/** T's cancel: the task becomes FAILURE "取消任务" and the answer is an empty 200. */
export function cancelTask(core: SimCore, call: MjCall): Reply {
  const task = call.id ? core.engine.get(call.id) : undefined;
  if (!task) return { status: 404 };
  core.engine.cancel(task.id);
  return EMPTY_200;
}

/** The job seed; needs the MJ job hash, which appears once the job runs. */
export function imageSeed(core: SimCore, call: MjCall): Reply {
  const task = call.id ? core.engine.get(call.id) : undefined;
  if (!task)
    return reject(core.flavour, 3, MSG.parentMissing, {
      trueaiStatus: 404,
      gatewayOwn: true,
      gatewayDescription: 'task_no_found',
    });
  if (!task.preview && task.status !== 'SUCCESS')
    return reject(core.flavour, 4, MSG.parentState, { trueaiStatus: 400 });
  const seed = String(parseInt(task.hash.replace(/-/g, '').slice(0, 8), 16) % 4_294_967_295);
  return submitResult(core.flavour, 1, MSG.submitted, seed, {});
}

/** The gateway's image relay (`/mj/image/{id}`). */
export function gatewayImage(core: SimCore, call: MjCall): Reply {
  return core.gateway?.image(call.id ?? '') ?? jsonReply(404, { error: 'not a gateway' });
}
