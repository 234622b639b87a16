import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, gzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';

export interface ArchiveFile {
  /** Relative path inside the archive, `/`-separated. */
  path: string;
  content: string | Buffer;
}

export const ARCHIVE_MEDIA_TYPE = 'application/gzip';

/**
 * A .tar.gz of the files, byte-stable for the same input: entries sorted, owner 0, fixed modes and one
 * given mtime (gzip's own header carries no time), so a re-run of the same spec gives the same sha256.
 * Parent folders get their own entries so every tar implementation recreates them with sane modes.
 */
export async function packTarGz(files: ArchiveFile[], mtime: Date): Promise<Buffer> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const dirs = new Set<string>();
  for (const f of sorted) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const tar = pack();
  const chunks: Buffer[] = [];
  const collected = new Promise<void>((resolve, reject) => {
    tar.on('data', (c) => chunks.push(c as Buffer));
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  const header = { uid: 0, gid: 0, uname: '', gname: '', mtime };
  for (const dir of [...dirs].sort()) await addEntry(tar, { ...header, name: `${dir}/`, type: 'directory', mode: 0o755 });
  for (const f of sorted) {
    const body = typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content;
    await addEntry(tar, { ...header, name: f.path, type: 'file', mode: 0o644, size: body.length }, body);
  }
  tar.finalize();
  await collected;
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

function addEntry(tar: ReturnType<typeof pack>, header: Parameters<ReturnType<typeof pack>['entry']>[0], body?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const cb = (err?: Error | null) => (err ? reject(err) : resolve());
    if (body) tar.entry(header, body, cb);
    else tar.entry(header, cb);
  });
}

/** The regular files of a .tar.gz (folders skipped), in archive order. */
export async function unpackTarGz(archive: Buffer): Promise<{ path: string; content: Buffer; mode: number }[]> {
  const out: { path: string; content: Buffer; mode: number }[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c) => chunks.push(c as Buffer));
    stream.on('end', () => {
      if (header.type === 'file') out.push({ path: header.name, content: Buffer.concat(chunks), mode: header.mode ?? 0 });
      next();
    });
    stream.resume();
  });
  await pipeline(Readable.from([archive]), createGunzip(), ex);
  return out;
}
