import { apiBaseUrlFor, parseRepository } from './repository-url';

describe('parseRepository', () => {
  it.each([
    ['https://github.com/org/repo', 'github.com'],
    ['https://github.com/org/repo.git', 'github.com'],
    ['https://github.com/org/repo/', 'github.com'],
    ['git@github.com:org/repo.git', 'github.com'],
    ['ssh://git@github.com/org/repo.git', 'github.com'],
    ['org/repo', 'github.com'],
    ['https://GHE.Corp.example:8443/org/repo', 'ghe.corp.example:8443'],
  ])('reads %s', (url, host) => {
    expect(parseRepository(url)).toEqual({ host, owner: 'org', repo: 'repo' });
  });

  it.each(['', 'https://github.com/org', 'https://github.com/org/repo/tree/main', 'ftp://github.com/org/repo', 'org/..', 42])(
    'rejects %p with a message naming the problem',
    (value) => {
      expect(() => parseRepository(value)).toThrow(/repository/);
    },
  );
});

describe('apiBaseUrlFor', () => {
  it('maps github.com, GHE.com and GitHub Enterprise Server hosts', () => {
    expect(apiBaseUrlFor('github.com')).toBe('https://api.github.com');
    expect(apiBaseUrlFor('octo.ghe.com')).toBe('https://api.octo.ghe.com');
    expect(apiBaseUrlFor('git.corp.example')).toBe('https://git.corp.example/api/v3');
    expect(apiBaseUrlFor('git.corp.example:8443')).toBe('https://git.corp.example:8443/api/v3');
  });
});
