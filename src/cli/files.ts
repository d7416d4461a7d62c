/** Files named on the command line: a missing one is "not found" (exit 3), an unreadable or broken one bad input. */
import { readFile } from 'node:fs/promises';
import { CliInputError, CliNotFoundError } from './exit-codes';

export async function readInputFile(file: string, field: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliNotFoundError(`${field}: no such file: ${file}`);
    throw new CliInputError(field, `must be a readable file (${code ?? 'error'})`);
  }
}

export async function readJsonFile(file: string, field: string): Promise<unknown> {
  const text = await readInputFile(file, field);
  try {
    return JSON.parse(text);
  } catch {
    throw new CliInputError(field, 'must contain valid JSON');
  }
}

/** A batch file: a JSON batch spec (`.json`) or prompt-file text (one prompt per line, `#` comments). */
export async function readBatchFile(file: string, field: string): Promise<unknown> {
  return file.endsWith('.json') ? readJsonFile(file, field) : readInputFile(file, field);
}
