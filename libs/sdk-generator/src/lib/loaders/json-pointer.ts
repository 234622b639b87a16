/** Local JSON references (`#/components/schemas/Pet`): parsing, resolving and readable places. */

export function pointerSegments(ref: string): string[] {
  if (ref === '#' || ref === '#/') return [];
  return ref
    .slice(2)
    .split('/')
    .map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function resolvePointer(doc: unknown, ref: string): unknown {
  let node: unknown = doc;
  for (const seg of pointerSegments(ref)) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, seg)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/** A path as users read it in error messages: `paths./pets.get.responses.200`. */
export function placeOf(path: readonly (string | number)[]): string {
  return path.join('.');
}
