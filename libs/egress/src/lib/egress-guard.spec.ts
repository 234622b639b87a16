import { EgressDeniedError, EgressError } from './egress-errors';
import { parseEgressAllow } from './egress-allow';
import { assertEgressAllowed, createGuardedLookup, EgressResolver } from './egress-guard';

const dns =
  (table: Record<string, string[]>): EgressResolver =>
  async (hostname) => {
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

async function denial(promise: Promise<unknown>): Promise<EgressDeniedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EgressDeniedError);
  return err as EgressDeniedError;
}

describe('assertEgressAllowed', () => {
  const none = parseEgressAllow('');

  it('refuses a private IP literal with the message operators act on', async () => {
    const err = await denial(assertEgressAllowed('http://10.0.0.5/hook', { allow: none }));
    expect(err.message).toBe('egress to 10.0.0.5 (private range) is not allowed; add it to MOCKOPS_EGRESS_ALLOW');
    expect(err.code).toBe('EGRESS_DENIED');
    expect(err.address).toBe('10.0.0.5');
  });

  it('refuses the cloud metadata endpoint, also written in other IPv4 notations', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://0xa9fea9fe/', 'http://2852039166/']) {
      const err = await denial(assertEgressAllowed(url, { allow: none }));
      expect(err.message).toContain('169.254.169.254 (link-local, cloud metadata)');
    }
  });

  it('refuses IPv6 loopback and IPv4-mapped IPv6 literals', async () => {
    expect((await denial(assertEgressAllowed('http://[::1]:8080/', { allow: none }))).reason).toBe('loopback');
    expect((await denial(assertEgressAllowed('http://[::ffff:10.0.0.1]/', { allow: none }))).reason).toContain('private range');
  });

  it('refuses a host name when any of its addresses is restricted', async () => {
    const resolver = dns({ 'mixed.test': ['93.184.216.34', '10.1.1.1'] });
    const err = await denial(assertEgressAllowed('https://mixed.test/x', { allow: none, resolver }));
    expect(err.message).toBe(
      'egress to mixed.test (resolves to 10.1.1.1, private range) is not allowed; add the host or address to MOCKOPS_EGRESS_ALLOW',
    );
  });

  it('allows public hosts and returns the checked addresses', async () => {
    const resolver = dns({ 'public.test': ['93.184.216.34', '2606:2800:220:1::1'] });
    const check = await assertEgressAllowed('https://public.test/path', { allow: none, resolver });
    expect(check.hostname).toBe('public.test');
    expect(check.addresses.map((a) => a.address)).toEqual(['93.184.216.34', '2606:2800:220:1::1']);
  });

  it('allows a restricted address when the host or the address is allow-listed', async () => {
    const resolver = dns({ 'mail.internal': ['10.0.0.7'], other: ['10.0.0.8'] });
    await expect(assertEgressAllowed('http://mail.internal', { allow: 'mail.internal', resolver })).resolves.toBeDefined();
    await expect(assertEgressAllowed('http://other', { allow: '10.0.0.0/24', resolver })).resolves.toBeDefined();
    await expect(assertEgressAllowed('http://127.0.0.1:9/', { allow: '127.0.0.1' })).resolves.toBeDefined();
    await denial(assertEgressAllowed('http://other', { allow: 'mail.internal', resolver }));
  });

  it('never reads the environment: without an allow list only public addresses pass', async () => {
    const before = process.env.MOCKOPS_EGRESS_ALLOW;
    try {
      process.env.MOCKOPS_EGRESS_ALLOW = '10.9.9.9';
      await denial(assertEgressAllowed('http://10.9.9.9/'));
      await expect(assertEgressAllowed('http://10.9.9.9/', { allow: '10.9.9.9' })).resolves.toBeDefined();
    } finally {
      if (before === undefined) delete process.env.MOCKOPS_EGRESS_ALLOW;
      else process.env.MOCKOPS_EGRESS_ALLOW = before;
    }
  });

  it('accepts only http and https unless told otherwise, without leaking the URL secrets', async () => {
    const err = await denial(assertEgressAllowed('file:///etc/passwd', { allow: none }));
    expect(err.message).toContain('only http and https URLs may be called');
    const ftp = await denial(assertEgressAllowed('ftp://user:pw@files.test/secret', { allow: none }));
    expect(ftp.message).not.toContain('pw');
    expect(ftp.message).not.toContain('secret');
    const resolver = dns({ 'mail.test': ['93.184.216.34'] });
    await expect(assertEgressAllowed('smtp://mail.test:25', { allow: none, resolver, protocols: ['smtp:'] })).resolves.toBeDefined();
  });

  it('reports unresolvable hosts as network errors, not denials', async () => {
    const err = await assertEgressAllowed('http://nowhere.test/', { allow: none, resolver: dns({}) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EgressError);
    expect(err).not.toBeInstanceOf(EgressDeniedError);
    expect((err as EgressError).code).toBe('EGRESS_NETWORK');
  });
});

describe('createGuardedLookup', () => {
  const call = (lookup: ReturnType<typeof createGuardedLookup>, host: string, options: { all?: boolean; family?: number }) =>
    new Promise<{ err: unknown; address: unknown; family?: number }>((resolve) =>
      lookup(host, options, (err, address, family) => resolve({ err, address, family })),
    );

  it('answers in the shape net asks for (single or all)', async () => {
    const lookup = createGuardedLookup(parseEgressAllow(''), dns({ 'p.test': ['93.184.216.34', '2606:2800:220:1::1'] }));
    expect(await call(lookup, 'p.test', {})).toEqual({ err: null, address: '93.184.216.34', family: 4 });
    expect(await call(lookup, 'p.test', { family: 6 })).toEqual({ err: null, address: '2606:2800:220:1::1', family: 6 });
    expect((await call(lookup, 'p.test', { all: true })).address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1::1', family: 6 },
    ]);
  });

  it('fails the connection when the name now resolves to a restricted address', async () => {
    const lookup = createGuardedLookup(parseEgressAllow(''), dns({ 'rebind.test': ['127.0.0.1'] }));
    const { err } = await call(lookup, 'rebind.test', { all: true });
    expect(err).toBeInstanceOf(EgressDeniedError);
    expect((err as Error).message).toContain('rebind.test (resolves to 127.0.0.1, loopback)');
  });
});
