import { diffLines } from 'diff';

export interface DiffRow {
  kind: 'same' | 'add' | 'del' | 'gap';
  text: string;
  /** Line number in the old text (same, del). */
  oldNo?: number;
  /** Line number in the new text (same, add). */
  newNo?: number;
  /** For a gap: how many unchanged lines it stands for. */
  hidden?: number;
}

/**
 * A line diff of two revisions as rows to render, with unchanged runs longer than twice `context`
 * folded into one `gap` row (as `git diff` shows hunks).
 */
export function diffRows(before: string, after: string, context = 3): DiffRow[] {
  const rows: DiffRow[] = [];
  let oldNo = 1;
  let newNo = 1;
  for (const part of diffLines(before, after)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const text of lines) {
      if (part.added) rows.push({ kind: 'add', text, newNo: newNo++ });
      else if (part.removed) rows.push({ kind: 'del', text, oldNo: oldNo++ });
      else rows.push({ kind: 'same', text, oldNo: oldNo++, newNo: newNo++ });
    }
  }
  return foldUnchanged(rows, context);
}

function foldUnchanged(rows: DiffRow[], context: number): DiffRow[] {
  const out: DiffRow[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i].kind !== 'same') {
      out.push(rows[i++]);
      continue;
    }
    let j = i;
    while (j < rows.length && rows[j].kind === 'same') j++;
    const run = rows.slice(i, j);
    const keepHead = i === 0 ? 0 : context;
    const keepTail = j === rows.length ? 0 : context;
    if (run.length > keepHead + keepTail + 1) {
      out.push(...run.slice(0, keepHead));
      out.push({ kind: 'gap', text: '', hidden: run.length - keepHead - keepTail });
      out.push(...run.slice(run.length - keepTail));
    } else {
      out.push(...run);
    }
    i = j;
  }
  return out;
}

export function diffStats(rows: DiffRow[]): { added: number; removed: number } {
  return { added: rows.filter((r) => r.kind === 'add').length, removed: rows.filter((r) => r.kind === 'del').length };
}
