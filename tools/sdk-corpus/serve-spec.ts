// A local server built from an API description that validates every request against it and answers with
// schema-valid samples (the server the generated SDKs are tested against). Each request is logged with
// its validation result. Usage: npm run sdk:serve -- <openapi.json|yaml> [--port 4010]
import { readFileSync } from 'node:fs';
import { parseDocument } from '../../libs/sdk-generator/src/lib/load-api-model';
import { startSpecServer } from '../../libs/sdk-generator/src/testing/spec-server';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--') && a !== args[args.indexOf('--port') + 1]);
  if (!file) {
    console.error('usage: npm run sdk:serve -- <openapi.json|yaml> [--port 4010]');
    process.exit(2);
  }
  const port = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : 4010;
  const doc = parseDocument(readFileSync(file, 'utf8'), file) as Record<string, unknown>;
  const server = await startSpecServer(doc, {
    port,
    onExchange: (e, failures) => {
      const verdict = failures.length ? failures.map((f) => `REJECTED (${f.phase}): ${f.message}`).join('; ') : 'valid';
      console.log(`${e.method} ${e.url} -> ${e.status} ${verdict}`);
    },
  });
  console.log(`validating ${file} on ${server.baseUrl}`);
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

void main();
