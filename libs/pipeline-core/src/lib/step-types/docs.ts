import { RETRY_POLICIES } from '../retry-policies';
import { STEP_TYPE_DEFINITIONS } from './registry';

/** docs/step-types.md, generated from the step type definitions (a test keeps the file equal). */
export function stepTypesMarkdown(): string {
  const out: string[] = [
    '# Step types',
    '',
    '<!-- Generated from libs/pipeline-core/src/lib/step-types (node -r @swc-node/register libs/pipeline-core/tools/write-generated.ts); do not edit. -->',
    '',
    'Every field may also be a template unless it says otherwise; a value that is exactly one `{{ }}` keeps',
    "its type. A *credential* field may hold `{{ secrets.NAME }}` as its whole value (see README, Secrets); it",
    'is masked wherever the rendered config is shown.',
    '',
  ];
  for (const d of STEP_TYPE_DEFINITIONS) {
    const policy = RETRY_POLICIES[d.spec.retryPolicy];
    out.push(`## \`${d.type}\``, '', d.spec.summary, '');
    out.push(`Retries by default: policy \`${d.spec.retryPolicy}\` (${policy.maxAttempts} attempts, ${policy.backoffType} backoff from ${policy.backoffMs} ms).`);
    out.push(`Jobs at a time per worker process: ${d.defaultConcurrency} (\`MOCKOPS_CONCURRENCY_${d.type.toUpperCase()}\`).`);
    const bound = Object.entries(d.spec.boundCredentials ?? {});
    if (bound.length) out.push(`Operator credentials bound to this step type: ${bound.map(([name, field]) => `\`${name}\` → \`${field}\``).join(', ')}.`);
    out.push('', '| field | type | required | credential | meaning |', '|---|---|---|---|---|');
    for (const r of d.docsRows()) out.push(`| \`${r.field}\` | ${r.type} | ${r.required} | ${r.credential ? 'yes' : ''} | ${r.description.replace(/\|/g, '\\|')} |`);
    out.push('', 'Example:', '', '```yaml', `step_type: ${d.type}`, 'config:');
    for (const line of yamlLines(d.spec.example, 1)) out.push(line);
    out.push('```', '');
  }
  return out.join('\n');
}

function yamlLines(value: unknown, depth: number): string[] {
  const pad = '  '.repeat(depth);
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (item && typeof item === 'object') {
        const [first, ...rest] = yamlLines(item, depth + 1);
        return [`${pad}- ${first.trimStart()}`, ...rest];
      }
      return [`${pad}- ${scalar(item)}`];
    });
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      v && typeof v === 'object' && !(Array.isArray(v) && v.every((x) => typeof x !== 'object')) ? [`${pad}${k}:`, ...yamlLines(v, depth + 1)] : [`${pad}${k}: ${scalar(v)}`],
    );
  }
  return [`${pad}${scalar(value)}`];
}

function scalar(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(scalar).join(', ')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
