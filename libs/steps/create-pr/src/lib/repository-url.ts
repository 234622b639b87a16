/**
 * Where a pull request goes: the `repository` value of the step (a URL as users copy it from the
 * browser or `git remote -v`) and the REST API base URL that serves it.
 */
export interface RepositoryRef {
  /** Host of the git server, lower case, with port when not default (`github.com`, `ghe.corp:8443`). */
  host: string;
  owner: string;
  repo: string;
}

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

export class RepositoryUrlError extends Error {}

/**
 * Accepts `https://github.com/org/repo`, `…/repo.git`, `git@host:org/repo.git`, `ssh://git@host/org/repo`
 * and the `org/repo` shorthand (github.com).
 */
export function parseRepository(value: unknown): RepositoryRef {
  if (typeof value !== 'string' || !value.trim()) {
    throw new RepositoryUrlError('repository is required, e.g. "https://github.com/org/repo"');
  }
  const text = value.trim();
  let host: string;
  let path: string;
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(text);
  if (scp) {
    host = scp[1];
    path = scp[2];
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new RepositoryUrlError(`repository "${text}" is not a valid URL`);
    }
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) {
      throw new RepositoryUrlError(`repository "${text}": unsupported scheme ${url.protocol}`);
    }
    host = url.host;
    path = decodeURIComponent(url.pathname);
  } else {
    host = 'github.com';
    path = text;
  }
  const parts = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  if (parts.length !== 2 || !parts.every((p) => SEGMENT.test(p) && p !== '.' && p !== '..')) {
    throw new RepositoryUrlError(`repository "${text}" must name exactly one repository, like https://${host}/org/repo`);
  }
  return { host: host.toLowerCase(), owner: parts[0], repo: parts[1] };
}

/**
 * REST API base for a git host: github.com → https://api.github.com; GHE.com data residency
 * (`<sub>.ghe.com`) → https://api.<sub>.ghe.com; any other host is GitHub Enterprise Server →
 * https://<host>/api/v3.
 */
export function apiBaseUrlFor(host: string): string {
  const h = host.toLowerCase();
  if (h === 'github.com' || h === 'www.github.com') return 'https://api.github.com';
  if (/^[a-z0-9-]+\.ghe\.com$/.test(h)) return `https://api.${h}`;
  return `https://${h}/api/v3`;
}
