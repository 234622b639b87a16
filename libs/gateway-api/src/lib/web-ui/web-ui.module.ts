import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { Response } from 'express';

/** Paths that stay the API's: never answered with the web app's index.html. */
export const API_PATHS = ['/api', '/api/{*rest}', '/healthz', '/readyz', '/metrics', '/admin', '/admin/{*rest}'];

/** Only a build has it (vite `build.manifest`): the source folder apps/web holds an index.html too. */
const BUILD_MARKER = join('.vite', 'manifest.json');

/**
 * Where the built web app is: `dist/apps/web` of the build this file is part of (dist/libs/gateway-api/
 * src/lib/web-ui → dist), or of the repository when running from source. Null when it is not built.
 */
export function webUiDir(explicit?: string): string | null {
  const root = resolve(__dirname, '..', '..', '..', '..', '..');
  const candidates = explicit ? [explicit] : [join(root, 'apps', 'web'), join(root, 'dist', 'apps', 'web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')) && existsSync(join(dir, BUILD_MARKER))) ?? null;
}

// The API key lives in the page's sessionStorage: no framing, no third-party scripts or connections.
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

function setHeaders(res: Response, path: string): void {
  for (const [name, value] of Object.entries(PAGE_HEADERS)) res.setHeader(name, value);
  // File names under assets/ carry a content hash; index.html must be revalidated to pick up a new build.
  res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
}

/**
 * Serves the run view (apps/web, built by `npm run build`) at `/` with a fallback to index.html for
 * the app's client-side routes; `/api/*`, the probes, `/metrics` and `/admin/*` stay the API's (an
 * unknown API path still answers the API's JSON 404). Serves nothing when the app is not built.
 */
@Module({})
export class WebUiModule {
  static forRoot(options: { dir?: string } = {}): DynamicModule {
    const logger = new Logger('WebUi');
    const dir = webUiDir(options.dir);
    if (!dir) {
      logger.log('the web app is not built (no dist/apps/web): `npm run build` builds it; the API is served as usual');
      return { module: WebUiModule };
    }
    logger.log(`serving the web app at / from ${dir}`);
    return {
      module: WebUiModule,
      imports: [
        ServeStaticModule.forRoot({
          rootPath: dir,
          exclude: API_PATHS,
          serveStaticOptions: { index: false, setHeaders, dotfiles: 'ignore' },
        }),
      ],
    };
  }
}
