#!/usr/bin/env node
// Installs the browser the console's tests drive: Debian's chromium (never a browser download), and a colour emoji
// font so the upstream's button emoji render in screenshots. Does nothing when both are there. apt's lock may be held by another install on a shared machine: retry while it is.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const BROWSER = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ATTEMPTS = 60;
const WAIT_S = 5;

function apt(args) {
  const r = spawnSync('apt-get', args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

function sleep(s) {
  spawnSync('sleep', [String(s)]);
}

const locked = (out) =>
  /Could not get lock|Unable to acquire the dpkg frontend lock|is another process using it/i.test(out);

const EMOJI_FONT = 'fonts-noto-color-emoji';
const installed = (pkg) => spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;

export function installBrowser() {
  const wanted = [...(existsSync(BROWSER) ? [] : ['chromium']), ...(installed(EMOJI_FONT) ? [] : [EMOJI_FONT])];
  if (wanted.length === 0) return BROWSER;
  let updated = false;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const r = apt(['install', '-y', '-q', '--no-install-recommends', ...wanted]);
    if (r.error) throw new Error(`apt-get is not available (${r.error.message}); install chromium by hand`);
    if (r.status === 0 && existsSync(BROWSER)) return BROWSER;
    if (locked(r.output)) {
      console.error(`apt lock held; retrying in ${WAIT_S} s (${attempt}/${ATTEMPTS})`);
      sleep(WAIT_S);
      continue;
    }
    if (!updated) {
      updated = true;
      const u = apt(['update', '-q']);
      if (u.status !== 0 && locked(u.output)) sleep(WAIT_S);
      continue;
    }
    throw new Error(`apt-get install ${wanted.join(' ')} failed (exit ${r.status}):\n${r.output.slice(-2000)}`);
  }
  throw new Error(`apt lock still held after ${ATTEMPTS} attempts`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    console.log(`browser: ${installBrowser()}`);
  } catch (err) {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  }
}
