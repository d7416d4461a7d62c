/** One request as the console's routes see it: parsed URL, the session (if any) and the page context. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleBackend } from './backend';
import type { PageContext } from './pages/layout';
import type { Session } from './session';

export interface ConsoleSettings {
  backend: ConsoleBackend;
  base: string;
  examplesDir: string;
  maxBodyBytes: number;
  liveIntervalMs: number;
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path segments after the mount path, each URL-decoded (a job id may hold an encoded `/`). */
  segments: string[];
  session: Session | null;
  page: PageContext;
  settings: ConsoleSettings;
}

/** A signed-in request. */
export type SignedIn = RequestContext & { session: Session };
