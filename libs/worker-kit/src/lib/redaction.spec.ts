import { redactConfig, scrubText, sensitiveValues, toStorable } from './redaction';

describe('redaction', () => {
  it("masks every credential field of the step type, URLs down to their host, and secret values anywhere", () => {
    const config = {
      type: 'webhook',
      webhook_url: 'https://hooks.example.com/in/T0K3N',
      headers: { 'X-Api-Key': 'key-123456789', 'X-Team': 'api' },
      message: 'leaked: ghp_operator_token_1',
    };
    expect(redactConfig('notify', config, ['ghp_operator_token_1'])).toEqual({
      type: 'webhook',
      webhook_url: 'https://hooks.example.com/in/***',
      headers: { 'X-Api-Key': '***', 'X-Team': '***' },
      message: 'leaked: ***',
    });
    expect(sensitiveValues('notify', config)).toEqual(expect.arrayContaining(['https://hooks.example.com/in/T0K3N', 'key-123456789']));
  });

  it('scrubs a secret from free text as is, URL-encoded and base64-encoded', () => {
    const secret = 'p@ss/word+42!';
    const text = `plain ${secret} url ${encodeURIComponent(secret)} b64 ${Buffer.from(secret).toString('base64')}`;
    expect(scrubText(text, [secret])).toBe('plain *** url *** b64 ***==');
  });

  it('turns what Postgres cannot store (NUL, surrogate halves) into U+FFFD, keys included', () => {
    expect(toStorable({ 'k\u0000': ['a\u0000b', 'x\ud800y', 'ok 🚀'] })).toEqual({ 'k\uFFFD': ['a\uFFFDb', 'x\uFFFDy', 'ok 🚀'] });
  });
});
