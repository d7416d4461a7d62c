/** Config rule: the default mode preference names at least one mode some upstream offers (else nothing routes). */
import type { ConfigIssue } from '../values';
import type { UpstreamEntry, UpstreamsFile } from '../upstreams-schema';

export function modePreferenceIssues(file: UpstreamsFile, at: string): ConfigIssue[] {
  const offered = (u: UpstreamEntry) => file.routing.modePreference.some((m) => u.modes[m] !== undefined);
  return file.upstreams.some(offered)
    ? []
    : [{ field: `${at}.routing.modePreference`, rule: 'names no mode that any upstream offers' }];
}
