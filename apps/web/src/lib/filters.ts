/** The executions list's filters, kept in the URL (?status=&pipeline_id=&workspace_id=&event_type=) so a view can be shared. */
export interface ExecutionFilters {
  status?: string;
  pipeline_id?: string;
  workspace_id?: string;
  event_type?: string;
}

export const EXECUTION_STATUSES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled'] as const;
const KEYS = ['status', 'pipeline_id', 'workspace_id', 'event_type'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads the filters from a query string; values the API would refuse are dropped. */
export function filtersFromSearch(search: string): ExecutionFilters {
  const params = new URLSearchParams(search);
  const out: ExecutionFilters = {};
  for (const key of KEYS) {
    const value = params.get(key)?.trim();
    if (!value) continue;
    if (key === 'status' && !(EXECUTION_STATUSES as readonly string[]).includes(value)) continue;
    if (key === 'pipeline_id' && !UUID.test(value)) continue;
    if (key === 'workspace_id' && !/^[A-Za-z0-9_.:-]{1,200}$/.test(value)) continue;
    out[key] = value;
  }
  return out;
}

/** The filters as a query string (stable key order, empty values left out), without the `?`. */
export function filtersToSearch(filters: ExecutionFilters): string {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  return params.toString();
}

/** Whether a live notice may change a list shown with these filters (so it is worth refetching). */
export function noticeMatches(filters: ExecutionFilters, notice: { pipeline_id: string; workspace_id: string | null }): boolean {
  if (filters.pipeline_id && filters.pipeline_id !== notice.pipeline_id) return false;
  if (filters.workspace_id && filters.workspace_id !== notice.workspace_id) return false;
  return true;
}
