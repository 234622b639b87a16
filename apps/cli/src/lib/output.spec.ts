import { formatDuration, renderFields, renderTable } from './output';

describe('CLI output', () => {
  it('renders an aligned table, numbers right-aligned, empty cells as "-", one line per row', () => {
    const rows = [
      { name: 'regenerate-sdks', attempts: 1, error: null },
      { name: 'notify', attempts: 12, error: 'Slack said\nno' },
    ];
    const text = renderTable(rows, [
      { header: 'STEP', value: (r) => r.name },
      { header: 'ATTEMPTS', value: (r) => r.attempts, right: true },
      { header: 'ERROR', value: (r) => r.error },
    ]);
    expect(text).toBe(['STEP             ATTEMPTS  ERROR', 'regenerate-sdks         1  -', 'notify                 12  Slack said no', ''].join('\n'));
  });

  it('renders label: value lines with aligned values', () => {
    expect(renderFields([['ID', 'p-1'], ['Workspace', null]])).toBe('ID:        p-1\nWorkspace: -\n');
  });

  it('formats durations for people', () => {
    expect(formatDuration(null)).toBe('-');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(125_000)).toBe('2m05s');
  });
});
