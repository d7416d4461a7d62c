/** The route table: method, path pattern under `/mj`, body cap, handler. One list, read by the server. */
import type { Answer, GatewayApp, RequestCtx } from '../app';
import { action, changeRoute, modal, simpleChange } from './action-routes';
import { blend, describe, edits, imagine, shorten, unsupported, uploadImages, video } from './submit-routes';
import { allEvents, taskEvents } from './event-routes';
import { batchControl, batchProgress, batchResults } from './batch-routes';
import { cancel, fetchTask, imageSeed, listByCondition, listTasks, queue } from './task-routes';

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  kind: 'submit' | 'read';
  /** Takes images in the body (the larger body cap applies). */
  images?: boolean;
  handler: (app: GatewayApp, ctx: RequestCtx) => Promise<Answer>;
}

const ID = '([^/]+)';

export const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: /^\/submit\/imagine$/, kind: 'submit', images: true, handler: imagine },
  { method: 'POST', pattern: /^\/submit\/action$/, kind: 'submit', handler: action },
  { method: 'POST', pattern: /^\/submit\/modal$/, kind: 'submit', images: true, handler: modal },
  { method: 'POST', pattern: /^\/submit\/change$/, kind: 'submit', handler: changeRoute },
  { method: 'POST', pattern: /^\/submit\/simple-change$/, kind: 'submit', handler: simpleChange },
  { method: 'POST', pattern: /^\/submit\/blend$/, kind: 'submit', images: true, handler: blend },
  { method: 'POST', pattern: /^\/submit\/describe$/, kind: 'submit', images: true, handler: describe },
  { method: 'POST', pattern: /^\/submit\/shorten$/, kind: 'submit', handler: shorten },
  { method: 'POST', pattern: /^\/submit\/edits?$/, kind: 'submit', images: true, handler: edits },
  { method: 'POST', pattern: /^\/submit\/video$/, kind: 'submit', images: true, handler: video },
  { method: 'POST', pattern: /^\/submit\/upload-discord-images$/, kind: 'submit', images: true, handler: uploadImages },
  {
    method: 'POST',
    pattern: /^\/insight-face\/swap$/,
    kind: 'submit',
    images: true,
    handler: unsupported('insight-face/swap'),
  },
  { method: 'POST', pattern: /^\/submit\/retexture$/, kind: 'submit', images: true, handler: unsupported('retexture') },
  { method: 'POST', pattern: /^\/task\/list-by-(?:condition|ids)$/, kind: 'read', handler: listByCondition },
  { method: 'GET', pattern: new RegExp(`^/task/${ID}/fetch$`), kind: 'read', handler: fetchTask },
  { method: 'GET', pattern: /^\/task\/list$/, kind: 'read', handler: listTasks },
  { method: 'GET', pattern: new RegExp(`^/task/${ID}/events$`), kind: 'read', handler: taskEvents },
  { method: 'GET', pattern: /^\/events$/, kind: 'read', handler: allEvents },
  { method: 'GET', pattern: /^\/task\/queue$/, kind: 'read', handler: queue },
  { method: 'GET', pattern: new RegExp(`^/task/${ID}/image-seed$`), kind: 'read', handler: imageSeed },
  { method: 'POST', pattern: new RegExp(`^/task/${ID}/cancel$`), kind: 'submit', handler: cancel },
  { method: 'GET', pattern: new RegExp(`^/batch/${ID}$`), kind: 'read', handler: batchProgress },
  { method: 'GET', pattern: new RegExp(`^/batch/${ID}/results$`), kind: 'read', handler: batchResults },
  {
    method: 'POST',
    pattern: new RegExp(`^/batch/${ID}/(pause|resume|cancel|retry-failed)$`),
    kind: 'submit',
    handler: batchControl,
  },
];
