import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { CommandFailed } from './context';
import type { Io } from './output';

export type FileFormat = 'yaml' | 'json';

export function formatOfFile(path: string): FileFormat {
  return extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
}

export function readTextFile(path: string, io: Io): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.err(`Error: cannot read ${path}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}\n`);
    throw new CommandFailed();
  }
}
