import { maskUrl } from './mask-url';

describe('maskUrl', () => {
  it.each([
    ['https://hooks.slack.com/services/T000/B000/XXXXSECRET', 'https://hooks.slack.com/services/***'],
    ['https://example.com/hook?token=abc', 'https://example.com/***?***'],
    ['https://example.com/a/b?x=1', 'https://example.com/a/***?***'],
    ['https://example.com', 'https://example.com'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['smtp://user:s3cret@mail.example.com:587', 'smtp://***@mail.example.com:587'],
    ['not a url', '***'],
  ])('%s → %s', (input, output) => {
    expect(maskUrl(input)).toBe(output);
  });

  it('never contains the secret parts', () => {
    const masked = maskUrl('https://u:p4ss@h.test/services/T1/B2/tok3n?sig=s1gn');
    for (const secret of ['p4ss', 'T1', 'B2', 'tok3n', 's1gn']) expect(masked).not.toContain(secret);
  });
});
