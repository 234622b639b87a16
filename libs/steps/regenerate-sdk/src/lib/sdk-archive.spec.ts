import { gunzipSync } from 'node:zlib';
import { packTarGz, unpackTarGz } from './sdk-archive';

describe('packTarGz / unpackTarGz', () => {
  const files = [
    { path: 'typescript/src/client.ts', content: 'export class Client {}\n' },
    { path: 'python/petstore/__init__.py', content: '' },
    { path: 'rust/Cargo.toml', content: Buffer.from('[package]\nname = "petstore"\n') },
  ];
  const at = new Date('2026-01-02T03:04:05.000Z');

  it('round-trips the files byte for byte, sorted, with 0644 modes', async () => {
    const archive = await packTarGz(files, at);
    expect(archive.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const back = await unpackTarGz(archive);
    expect(back.map((f) => [f.path, f.content.toString(), f.mode])).toEqual([
      ['python/petstore/__init__.py', '', 0o644],
      ['rust/Cargo.toml', '[package]\nname = "petstore"\n', 0o644],
      ['typescript/src/client.ts', 'export class Client {}\n', 0o644],
    ]);
  });

  it('is byte-identical for the same input whatever the order, and differs when content differs', async () => {
    const a = await packTarGz(files, at);
    const b = await packTarGz([...files].reverse(), at);
    expect(Buffer.compare(a, b)).toBe(0);
    const c = await packTarGz([...files.slice(0, 2), { path: 'rust/Cargo.toml', content: 'changed' }], at);
    expect(Buffer.compare(a, c)).not.toBe(0);
  });

  it('creates folder entries so plain tar recreates the tree', async () => {
    const tar = gunzipSync(await packTarGz(files, at)).toString('latin1');
    for (const dir of ['python/', 'python/petstore/', 'rust/', 'typescript/', 'typescript/src/']) expect(tar).toContain(`${dir}\0`);
  });
});
