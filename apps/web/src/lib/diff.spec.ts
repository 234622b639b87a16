import { diffRows, diffStats } from './diff';

describe('diffRows (revision diffs)', () => {
  it('numbers old and new lines and marks what changed', () => {
    const rows = diffRows('name: a\nsteps: 1\n', 'name: b\nsteps: 1\nextra: true\n');
    expect(rows).toEqual([
      { kind: 'del', text: 'name: a', oldNo: 1 },
      { kind: 'add', text: 'name: b', newNo: 1 },
      { kind: 'same', text: 'steps: 1', oldNo: 2, newNo: 2 },
      { kind: 'add', text: 'extra: true', newNo: 3 },
    ]);
    expect(diffStats(rows)).toEqual({ added: 2, removed: 1 });
  });

  it('folds long unchanged runs, keeping context around each change', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const after = [...lines];
    after[9] = 'line 10 changed';
    const rows = diffRows(lines.join('\n'), after.join('\n'), 2);
    expect(rows.map((r) => (r.kind === 'gap' ? `… ${r.hidden}` : `${r.kind} ${r.text}`))).toEqual([
      '… 7',
      'same line 8',
      'same line 9',
      'del line 10',
      'add line 10 changed',
      'same line 11',
      'same line 12',
      '… 8',
    ]);
  });

  it('shows nothing but one gap for identical texts', () => {
    expect(diffRows('a\nb\nc', 'a\nb\nc')).toEqual([{ kind: 'gap', text: '', hidden: 3 }]);
  });
});
