/**
 * The names a generated module binds at module level (definitions and imports), read from its source.
 * Used to check mechanically that no model name can be shadowed by — or shadow — a runtime name.
 */

/** Rust: `use` imports (last segment or brace list; globs skipped) and top-level items. */
export function rustModuleNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/^use ([^;]+);/gm)) {
    const path = m[1].trim();
    const brace = /\{([^}]*)\}$/.exec(path);
    const leaves = brace ? brace[1].split(',') : [path.split('::').pop() ?? ''];
    for (const leaf of leaves.map((l) => l.trim())) {
      if (!leaf || leaf === '*') continue;
      const alias = /\bas\s+(\w+)$/.exec(leaf);
      names.add(alias ? alias[1] : leaf.split('::').pop()!);
    }
  }
  for (const m of source.matchAll(/^(?:pub(?:\([^)]*\))? )?(?:struct|enum|trait|type|fn|const|static|mod|union) (\w+)/gm)) names.add(m[1]);
  return names;
}

/** Python: top-level `import`/`from ... import`, `def`, `class` and assignments. */
export function pythonModuleNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/^import ([\w.]+)(?: as (\w+))?/gm)) names.add(m[2] ?? m[1].split('.')[0]);
  for (const m of source.matchAll(/^from [\w.]+ import (?:\(([^)]*)\)|([^\n]*))/gm)) {
    const list = (m[1] ?? m[2]).replace(/#[^\n]*/g, '');
    for (const part of list.split(/[,\n]/).map((p) => p.trim()).filter(Boolean)) {
      if (part === '*') continue;
      names.add(/ as (\w+)$/.exec(part)?.[1] ?? part);
    }
  }
  for (const m of source.matchAll(/^(?:def|class) (\w+)/gm)) names.add(m[1]);
  for (const m of source.matchAll(/^(\w+)\s*(?::[^=\n]*)?=/gm)) names.add(m[1]);
  return names;
}

/** TypeScript: top-level declarations and imports. */
export function typescriptModuleNames(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/^import (?:type )?\* as (\w+)/gm)) names.add(m[1]);
  for (const m of source.matchAll(/^import (?:type )?\{([^}]*)\}/gm)) {
    for (const part of m[1].split(',').map((p) => p.trim()).filter(Boolean)) names.add(/ as (\w+)$/.exec(part)?.[1] ?? part);
  }
  for (const m of source.matchAll(/^(?:export )?(?:declare )?(?:async )?(?:abstract )?(?:class|interface|type|function|const|let|var|enum) (\w+)/gm)) names.add(m[1]);
  return names;
}
