import { filtersFromSearch, filtersToSearch, noticeMatches } from './filters';

describe('execution filters in the URL', () => {
  const id = '3f2b8c1e-4d5a-4b6c-8d7e-9f0a1b2c3d4e';

  it('round-trips through the query string in a stable order', () => {
    const filters = { event_type: 'scenario.published', status: 'failed', pipeline_id: id, workspace_id: 'ws-a' };
    const search = filtersToSearch(filters);
    expect(search).toBe(`status=failed&pipeline_id=${id}&workspace_id=ws-a&event_type=scenario.published`);
    expect(filtersFromSearch(`?${search}`)).toEqual(filters);
  });

  it('drops empty values and values the API would refuse', () => {
    expect(filtersFromSearch('status=exploded&pipeline_id=42&workspace_id=a%20b&event_type=')).toEqual({});
    expect(filtersToSearch({ status: '', workspace_id: '  ' })).toBe('');
  });

  it('tells which live notices can change a filtered list', () => {
    expect(noticeMatches({}, { pipeline_id: id, workspace_id: null })).toBe(true);
    expect(noticeMatches({ pipeline_id: id }, { pipeline_id: 'other', workspace_id: null })).toBe(false);
    expect(noticeMatches({ workspace_id: 'ws-a' }, { pipeline_id: id, workspace_id: 'ws-a' })).toBe(true);
    expect(noticeMatches({ workspace_id: 'ws-a' }, { pipeline_id: id, workspace_id: 'ws-b' })).toBe(false);
  });
});
