// A small renderer for exactly the kustomize features k8s/ uses, so the manifest tests run offline
// with Node alone (no kustomize library exists for Node). It follows kustomize v5's order of work:
// resources → generators → components (each applied to what has been accumulated so far) → patches →
// namespace → labels → replicas → images. Anything else in a kustomization is refused, never ignored.
// kustomize.spec.ts tests each feature, and compares the whole output with `kubectl kustomize` when
// kubectl is installed.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import { loadAll } from 'js-yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
}

interface PatchEntry {
  path?: string;
  patch?: string;
  target?: Selector;
}

export interface Kustomization {
  apiVersion?: string;
  kind?: 'Kustomization' | 'Component';
  namespace?: string;
  resources?: string[];
  components?: string[];
  configMapGenerator?: { name: string; files?: string[]; literals?: string[]; options?: { disableNameSuffixHash?: boolean; labels?: Record<string, string> } }[];
  patches?: PatchEntry[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
  replicas?: { name: string; count: number }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'components', 'configMapGenerator', 'patches', 'labels', 'replicas', 'images']);
const FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Kinds without a namespace that k8s/ could contain; everything else (including CRDs' kinds) is namespaced. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass']);
/** Kinds whose pod template gets `labels[].includeTemplates` labels, and where the pod spec lives. */
const POD_TEMPLATE_PATH: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};
const SCALABLE = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'ReplicationController']);

/**
 * Merge keys of the built-in types' lists (their OpenAPI `x-kubernetes-patch-merge-key`), by the
 * list's field name. Lists not named here — and every list of a custom resource, whose schema
 * kustomize does not know — are replaced by the patch's list, as kustomize does.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};
/** `ports` merge on containerPort in a container and on port in a Service. */
const PORT_KEYS = ['containerPort', 'port'];
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io']);

export class KustomizeError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** Renders the kustomization in `dir` (a Kustomization, not a Component). `edit` may change the loaded file first. */
export function render(dir: string, edit?: (k: Kustomization) => Kustomization): K8sObject[] {
  const k = loadKustomization(dir);
  if (k.kind === 'Component') throw new KustomizeError(`${dir}: a Component cannot be built on its own`);
  return accumulate(resolve(dir), edit ? edit(k) : k, []);
}

export function loadKustomization(dir: string): Kustomization {
  const file = FILE_NAMES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) throw new KustomizeError(`${dir}: no kustomization file`);
  const k = loadAll(readFileSync(file, 'utf8'))[0] as Kustomization;
  if (!isObj(k)) throw new KustomizeError(`${file}: not a mapping`);
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length) throw new KustomizeError(`${file}: unsupported field(s) ${unsupported.join(', ')}`);
  return k;
}

/** A file this kustomization may read: inside its own directory (kustomize's default load restriction). */
function localFile(dir: string, path: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new KustomizeError(`${dir}: ${path} is outside the kustomization's directory`);
  return full;
}

export function parseObjects(text: string, source: string): K8sObject[] {
  const docs = loadAll(text).filter((d) => d !== null && d !== undefined);
  for (const d of docs) {
    if (!isObj(d) || typeof d.apiVersion !== 'string' || typeof d.kind !== 'string' || !isObj(d.metadata) || typeof d.metadata.name !== 'string') {
      throw new KustomizeError(`${source}: every document needs apiVersion, kind and metadata.name`);
    }
  }
  return docs as K8sObject[];
}

function idOf(o: K8sObject): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function add(into: K8sObject[], objects: K8sObject[], source: string): void {
  for (const o of objects) {
    if (into.some((x) => idOf(x) === idOf(o))) throw new KustomizeError(`${source}: ${idOf(o)} is already defined`);
    into.push(o);
  }
}

function accumulate(dir: string, k: Kustomization, into: K8sObject[]): K8sObject[] {
  for (const r of k.resources ?? []) {
    const full = resolve(dir, r);
    if (existsSync(full) && statSync(full).isDirectory()) {
      const sub = loadKustomization(full);
      if (sub.kind === 'Component') throw new KustomizeError(`${dir}: ${r} is a Component; list it under components`);
      add(into, accumulate(full, sub, []), r);
    } else {
      add(into, parseObjects(readFileSync(localFile(dir, r), 'utf8'), join(dir, r)), r);
    }
  }
  for (const g of k.configMapGenerator ?? []) add(into, [generateConfigMap(dir, g)], `configMapGenerator ${g.name}`);
  for (const c of k.components ?? []) {
    const full = resolve(dir, c);
    const comp = loadKustomization(full);
    if (comp.kind !== 'Component') throw new KustomizeError(`${dir}: ${c} is not a Component`);
    accumulate(full, comp, into);
  }
  for (const p of k.patches ?? []) applyPatchEntry(dir, p, into);
  if (k.namespace) setNamespace(into, k.namespace);
  for (const l of k.labels ?? []) addLabels(into, l);
  for (const r of k.replicas ?? []) setReplicas(into, r);
  for (const i of k.images ?? []) setImages(into, i);
  return into;
}

function generateConfigMap(dir: string, g: NonNullable<Kustomization['configMapGenerator']>[number]): K8sObject {
  if (!g.options?.disableNameSuffixHash) throw new KustomizeError(`${dir}: configMapGenerator ${g.name} needs options.disableNameSuffixHash: true (name hashes are not implemented)`);
  const data: Record<string, string> = {};
  for (const f of g.files ?? []) {
    const [key, path] = f.includes('=') ? f.split('=', 2) : [basename(f), f];
    data[key] = readFileSync(localFile(dir, path), 'utf8');
  }
  for (const l of g.literals ?? []) {
    const at = l.indexOf('=');
    data[l.slice(0, at)] = l.slice(at + 1);
  }
  const metadata: K8sObject['metadata'] = { name: g.name };
  if (g.options.labels) metadata.labels = { ...g.options.labels };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

// ---- selectors -------------------------------------------------------------------------------------

type Requirement = { key: string; op: 'in' | 'notin' | 'exists' | '!exists'; values: string[] };

/** Parses a label selector string: `a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, comma-separated. */
export function parseLabelSelector(selector: string): Requirement[] {
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p): Requirement => {
      let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
      if (m) return { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()) };
      m = /^(\S+?)\s*(==|!=|=)\s*(\S*)$/.exec(p);
      if (m) return { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] };
      if (/^!\S+$/.test(p)) return { key: p.slice(1), op: '!exists', values: [] };
      if (/^\S+$/.test(p)) return { key: p, op: 'exists', values: [] };
      throw new KustomizeError(`cannot parse label selector "${selector}"`);
    });
}

export function matchesLabels(labels: Record<string, string> | undefined, selector: string): boolean {
  const l = labels ?? {};
  return parseLabelSelector(selector).every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    if (r.op === 'exists') return has;
    if (r.op === '!exists') return !has;
    if (r.op === 'in') return has && r.values.includes(l[r.key]);
    return !has || !r.values.includes(l[r.key]);
  });
}

function selects(s: Selector, o: K8sObject): boolean {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const exact = (pattern: string | undefined, value: string | undefined) => pattern === undefined || new RegExp(`^(?:${pattern})$`).test(value ?? '');
  return (
    (s.group === undefined || s.group === group) &&
    (s.version === undefined || s.version === version) &&
    exact(s.kind, o.kind) &&
    exact(s.name, o.metadata.name) &&
    exact(s.namespace, o.metadata.namespace) &&
    (s.labelSelector === undefined || matchesLabels(o.metadata.labels, s.labelSelector))
  );
}

// ---- patches ---------------------------------------------------------------------------------------

function applyPatchEntry(dir: string, p: PatchEntry, objects: K8sObject[]): void {
  const unknown = Object.keys(p).filter((key) => !['path', 'patch', 'target'].includes(key));
  if (unknown.length) throw new KustomizeError(`${dir}: unsupported patch field(s) ${unknown.join(', ')}`);
  const unknownTarget = Object.keys(p.target ?? {}).filter((key) => !['group', 'version', 'kind', 'name', 'namespace', 'labelSelector'].includes(key));
  if (unknownTarget.length) throw new KustomizeError(`${dir}: unsupported patch target field(s) ${unknownTarget.join(', ')}`);
  const text = p.path !== undefined ? readFileSync(localFile(dir, p.path), 'utf8') : p.patch;
  if (text === undefined) throw new KustomizeError(`${dir}: a patch needs path or patch`);
  const docs = loadAll(text).filter((d) => d !== null && d !== undefined);
  const where = p.path ?? 'inline patch';
  const target = p.target;
  if (docs.length === 1 && Array.isArray(docs[0])) {
    // JSON 6902: needs a target.
    if (!target) throw new KustomizeError(`${dir}: ${where}: a JSON 6902 patch needs a target`);
    const targets = objects.filter((o) => selects(target, o));
    if (!targets.length) throw new KustomizeError(`${dir}: ${where}: the target matches no resource`);
    for (const o of targets) {
      try {
        const patched = applyPatch(clone(o), docs[0] as Operation[], true, false).newDocument;
        objects[objects.indexOf(o)] = patched;
      } catch (e) {
        throw new KustomizeError(`${dir}: ${where} on ${idOf(o)}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    return;
  }
  // Strategic merge: each document patches the target(s), or the resource with its kind and name.
  for (const doc of docs) {
    if (!isObj(doc)) throw new KustomizeError(`${dir}: ${where}: not a patch`);
    const patch = doc as K8sObject;
    const targets = target
      ? objects.filter((o) => selects(target, o))
      : objects.filter(
          (o) =>
            o.kind === patch.kind &&
            groupOf(o.apiVersion) === groupOf(patch.apiVersion ?? '') &&
            o.metadata.name === patch.metadata?.name &&
            (patch.metadata?.namespace === undefined || patch.metadata.namespace === o.metadata.namespace),
        );
    if (!targets.length) throw new KustomizeError(`${dir}: ${where}: no resource matches ${patch.kind} ${patch.metadata?.name}`);
    for (const o of targets) {
      const body = clone(patch) as Obj;
      if (target) {
        // A targeted patch's own identity does not rename the targets.
        delete body.apiVersion;
        delete body.kind;
        if (isObj(body.metadata)) {
          delete body.metadata.name;
          delete body.metadata.namespace;
        }
      }
      objects[objects.indexOf(o)] = strategicMerge(o, body, BUILT_IN_GROUPS.has(groupOf(o.apiVersion))) as K8sObject;
    }
  }
}

/**
 * Strategic merge of `patch` into `target`: maps merge, `null` deletes a key, `$patch: delete|replace`
 * on a map; lists with a merge key (built-in types only) merge element by element — the patch's
 * elements first, in its order, then the target's others, as kustomize orders them — other lists are
 * replaced.
 */
export function strategicMerge(target: unknown, patch: unknown, builtIn: boolean, field = ''): unknown {
  if (isObj(patch)) {
    if (patch.$patch === 'replace') {
      const rest = { ...patch };
      delete rest.$patch;
      return rest;
    }
    if (patch.$patch === 'delete') return undefined;
    if (patch.$patch !== undefined) throw new KustomizeError(`unsupported $patch: ${String(patch.$patch)}`);
    const out: Obj = isObj(target) ? { ...target } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) throw new KustomizeError(`unsupported directive ${key}`);
      if (value === null) delete out[key];
      else {
        const merged = strategicMerge(out[key], value, builtIn, key);
        if (merged === undefined) delete out[key];
        else out[key] = merged;
      }
    }
    return out;
  }
  if (Array.isArray(patch)) {
    const key = builtIn ? mergeKeyOf(field, patch, target) : undefined;
    if (!key || !Array.isArray(target)) return patch.filter((e) => !(isObj(e) && e.$patch === 'delete'));
    const mentioned = new Set(patch.filter(isObj).map((e) => e[key]));
    const merged: unknown[] = [];
    for (const element of patch) {
      if (!isObj(element)) throw new KustomizeError(`list ${field}: elements need ${key}`);
      const current = target.find((t) => isObj(t) && t[key] === element[key]);
      const result = strategicMerge(current, element, builtIn, '');
      if (result !== undefined) merged.push(result);
    }
    return [...merged, ...target.filter((t) => !(isObj(t) && mentioned.has(t[key])))];
  }
  return patch;
}

function mergeKeyOf(field: string, patch: unknown[], target: unknown): string | undefined {
  if (field === 'ports') {
    const sample = [...patch, ...(Array.isArray(target) ? target : [])].find(isObj);
    return PORT_KEYS.find((k) => sample && k in sample);
  }
  return MERGE_KEYS[field];
}

// ---- transformers ----------------------------------------------------------------------------------

function setNamespace(objects: K8sObject[], namespace: string): void {
  for (const o of objects) {
    // kustomize renames a Namespace object to the kustomization's namespace.
    if (o.kind === 'Namespace') o.metadata.name = namespace;
    else if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = namespace;
  }
}

function at(o: Obj, path: string[]): Obj | undefined {
  let cur: unknown = o;
  for (const p of path) cur = isObj(cur) ? cur[p] : undefined;
  return isObj(cur) ? cur : undefined;
}

function addLabels(objects: K8sObject[], l: NonNullable<Kustomization['labels']>[number]): void {
  if (l.includeSelectors) throw new KustomizeError('labels.includeSelectors is not implemented (selectors are immutable; k8s/ does not use it)');
  for (const o of objects) {
    o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
    const templatePath = POD_TEMPLATE_PATH[o.kind];
    const template = l.includeTemplates && templatePath ? at(o, templatePath) : undefined;
    if (template) {
      const metadata = (template.metadata ??= {}) as Obj;
      metadata.labels = { ...(metadata.labels as Record<string, string>), ...l.pairs };
    }
  }
}

function setReplicas(objects: K8sObject[], r: { name: string; count: number }): void {
  const targets = objects.filter((o) => SCALABLE.has(o.kind) && o.metadata.name === r.name);
  if (!targets.length) throw new KustomizeError(`replicas: no Deployment/StatefulSet/ReplicaSet named ${r.name}`);
  for (const o of targets) (o.spec as Obj).replicas = r.count;
}

/** Splits `name[:tag][@digest]` (a registry port is part of the name). */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const [rest, digest] = image.split('@');
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  return colon > slash ? { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest } : { name: rest, digest };
}

function setImages(objects: K8sObject[], i: NonNullable<Kustomization['images']>[number]): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObj(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
        for (const c of value) {
          if (!isObj(c) || typeof c.image !== 'string') continue;
          const image = parseImage(c.image);
          if (image.name !== i.name) continue;
          const name = i.newName ?? image.name;
          if (i.digest) c.image = `${name}@${i.digest}`;
          else if (i.newTag) c.image = `${name}:${i.newTag}`;
          else c.image = `${name}${image.tag ? `:${image.tag}` : ''}${image.digest ? `@${image.digest}` : ''}`;
        }
      } else visit(value);
    }
  };
  visit(objects);
}
