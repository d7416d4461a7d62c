/**
 * Shared helpers of the `src/mj` unit tests: a locked-down MockAgent, sample images and fixture loading.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockAgent } from 'undici';

/** Origin every mocked client talks to. */
export const ORIGIN = 'http://mj.test';

/** A MockAgent that refuses real network access and records calls. */
export function lockedAgent(): MockAgent {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  return agent;
}

/** A real 1×1 PNG. */
export const PNG_DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
/** The start of a JPEG (SOI + JFIF header), valid base64. */
export const JPEG_DATA_URL = 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBD';

const FIXTURE_DIR = join(__dirname, '..', '..', 'fixtures', 'mj');

/** Names of every JSON fixture. */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json'));
}

/** Parses one fixture (BOM tolerated). */
export function loadFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8').replace(/^\uFEFF/, ''));
}

/** Reads SOURCES.md. */
export function fixtureSources(): string {
  return readFileSync(join(FIXTURE_DIR, 'SOURCES.md'), 'utf8');
}
