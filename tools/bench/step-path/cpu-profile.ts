// Summarises a V8 .cpuprofile (node --cpu-prof) over a time window: self time per category (pg
// driver, ioredis, BullMQ, Nest/Express, liquidjs, JSON, GC, each MockOps lib, Node's own http/net...)
// and the top functions by self time.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time inside the window, ms. */
  windowMs: number;
  /** Time not idle, ms. */
  busyMs: number;
  categories: { category: string; ms: number; share: number }[];
  functions: { fn: string; where: string; category: string; ms: number; share: number }[];
}

const GROUPS: [RegExp, string][] = [
  [/^(pg|pg-protocol|pg-pool|pg-types|pg-connection-string|postgres-[a-z-]+|packet-reader|buffer-writer)$/, 'pg driver'],
  [/^(ioredis|redis-parser|@ioredis\/.*|standard-as-callback|cluster-key-slot|denque|redis-errors)$/, 'ioredis'],
  [/^(bullmq|msgpackr|cron-parser|node-abort-controller)$/, 'bullmq (client side)'],
  [/^(@nestjs\/.*|express|router|body-parser|path-to-regexp|reflect-metadata|rxjs|iterare|finalhandler|send|serve-static)$/, 'nest / express / rxjs'],
  [/^liquidjs$/, 'liquidjs'],
  [/^typeorm$/, 'typeorm'],
  [/^(pino|pino-.*|sonic-boom|thread-stream)$/, 'logging'],
  [/^@electric-sql\/.*$/, 'pglite'],
];

function packageOf(url: string): string | undefined {
  const i = url.lastIndexOf('/node_modules/');
  if (i < 0) return undefined;
  const rest = url.slice(i + '/node_modules/'.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** The category of a frame with a script URL; undefined for frames without one (builtins). */
function categoryOfUrl(url: string): string | undefined {
  if (!url) return undefined;
  if (url.includes('/tools/bench/')) return 'benchmark probe (measurement overhead)';
  const pkg = packageOf(url);
  if (pkg) {
    for (const [re, group] of GROUPS) if (re.test(pkg)) return group;
    return `npm: ${pkg}`;
  }
  const lib = /\/dist\/libs\/(steps\/[^/]+|[^/]+)\//.exec(url);
  if (lib) return `mockops: ${lib[1]}`;
  if (/\/dist\/apps\//.test(url)) return 'mockops: apps';
  if (url.startsWith('node:')) {
    const m = url.slice(5);
    if (/(^|\/)_?http|http_parser|undici|fetch/.test(m)) return 'node: http';
    if (/(^|\/)(net|stream|streams|tls|socket|tcp|pipe)/.test(m)) return 'node: net/streams';
    if (/timers/.test(m)) return 'node: timers';
    if (/crypto/.test(m)) return 'node: crypto';
    if (/dns/.test(m)) return 'node: dns';
    if (/process\/task_queues|async_hooks|promises/.test(m)) return 'node: promises/microtasks';
    if (/webstreams/.test(m)) return 'node: web streams (fetch Response)';
    if (/(^|\/)(events|event_target|abort_controller)$/.test(m)) return 'node: events / AbortSignal';
    if (/buffer/.test(m)) return 'node: buffer';
    if (/(^|\/)url$/.test(m)) return 'node: url';
    if (/modules\//.test(m)) return 'node: module loading';
    return 'node: other';
  }
  return 'other scripts';
}

/**
 * Self time per node in [fromUs, toUs] (profile clock: µs of process.hrtime), attributed to a
 * category: builtins without a URL inherit their caller's category, except JSON.parse/stringify
 * (counted as JSON) and V8's pseudo-frames (GC, program, idle).
 */
export function summariseProfile(profile: CpuProfile, fromUs = -Infinity, toUs = Infinity, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryCache = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const cached = categoryCache.get(id);
    if (cached) return cached;
    const { functionName, url } = byId.get(id)!.callFrame;
    let cat: string;
    if (functionName === '(garbage collector)') cat = 'GC';
    else if (functionName === '(idle)') cat = 'idle';
    else if (functionName === '(program)') cat = 'V8 / native (program)';
    else if (functionName === '(root)') cat = 'V8 / native (program)';
    else if (!url && /^(parse|stringify|JSONParse|JSONStringify)$/.test(functionName)) cat = 'JSON';
    else {
      const own = categoryOfUrl(url);
      const up = parent.get(id);
      cat = own ?? (up !== undefined ? categoryOf(up) : 'V8 / native (program)');
    }
    categoryCache.set(id, cat);
    return cat;
  };

  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  let windowUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t > toUs) continue;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
    windowUs += dt;
  }
  const cats = new Map<string, number>();
  const fns = new Map<string, { fn: string; where: string; category: string; us: number }>();
  for (const [id, us] of selfUs) {
    const cat = categoryOf(id);
    cats.set(cat, (cats.get(cat) ?? 0) + us);
    if (cat === 'idle') continue;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '(native)';
    const key = `${functionName}@${where}`;
    const f = fns.get(key) ?? { fn: functionName || '(anonymous)', where, category: cat, us: 0 };
    f.us += us;
    fns.set(key, f);
  }
  const idleUs = cats.get('idle') ?? 0;
  const busyUs = windowUs - idleUs;
  return {
    windowMs: windowUs / 1000,
    busyMs: busyUs / 1000,
    categories: [...cats]
      .filter(([c]) => c !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => ({ category, ms: us / 1000, share: busyUs ? us / busyUs : 0 })),
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ fn: f.fn, where: f.where, category: f.category, ms: f.us / 1000, share: busyUs ? f.us / busyUs : 0 })),
  };
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}
