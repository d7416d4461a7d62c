/**
 * Update validators of the upstream pool: a malformed message is rejected before it reaches history, with a
 * structured rejection naming the field and the rule. Workflow-safe.
 */
import type { ApplicationFailure } from '@temporalio/workflow';
import { isSpeedMode, SPEED_MODES } from '../../mj/terms/speed-modes';
import { rejection } from '../../shared/rejection';
import { PRICED_ACTIONS, type SubmitReport } from '../../shared/upstreams/types';
import {
  UPSTREAM_POOL_FAILURE,
  type PoolReportInput,
  type PoolReserveInput,
  type UpstreamPoolConfig,
} from './messages';

const REPORT_KINDS: readonly SubmitReport['kind'][] = ['accepted', 'failover', 'disable', 'unknown', 'job-error'];

function invalid(field: string, rule: string, message: string): ApplicationFailure {
  return rejection(UPSTREAM_POOL_FAILURE.invalidRequest, `upstream pool: ${field} ${message}`, { field, rule });
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

export function checkReserve(req: PoolReserveInput | undefined): void {
  if (!req || typeof req !== 'object') throw invalid('request', 'required', 'is missing');
  if (!isText(req.requestId)) throw invalid('requestId', 'required', 'must be a non-empty string');
  if (!isText(req.workflowId)) throw invalid('workflowId', 'required', 'must be a non-empty string');
  if (!isText(req.configVersion)) throw invalid('configVersion', 'required', 'must be a non-empty string');
  if (!PRICED_ACTIONS.includes(req.action))
    throw invalid('action', 'one-of', `must be one of ${PRICED_ACTIONS.join(', ')}`);
  if (!Array.isArray(req.modes) || !req.modes.every(isSpeedMode)) {
    throw invalid('modes', 'one-of', `must be a list of ${SPEED_MODES.join(', ')}`);
  }
  if (!Array.isArray(req.features)) throw invalid('features', 'list', 'must be a list');
}

export function checkReport(input: PoolReportInput | undefined): void {
  if (!input || typeof input !== 'object') throw invalid('report', 'required', 'is missing');
  if (!isText(input.requestId)) throw invalid('requestId', 'required', 'must be a non-empty string');
  if (!isText(input.upstreamId)) throw invalid('upstreamId', 'required', 'must be a non-empty string');
  if (!input.report || !REPORT_KINDS.includes(input.report.kind)) {
    throw invalid('report.kind', 'one-of', `must be one of ${REPORT_KINDS.join(', ')}`);
  }
}

export function checkConfig(config: UpstreamPoolConfig | undefined): void {
  if (!config || !isText(config.version)) throw invalid('version', 'required', 'must be a non-empty string');
  if (!Array.isArray(config.views) || config.views.length === 0) {
    throw invalid('views', 'non-empty', 'must list at least one upstream');
  }
  if (!config.routing || !Array.isArray(config.routing.modePreference)) {
    throw invalid('routing', 'required', 'must carry a rule and a mode preference');
  }
}
