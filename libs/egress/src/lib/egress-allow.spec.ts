import { EgressError } from './egress-errors';
import { parseEgressAllow } from './egress-allow';

describe('parseEgressAllow', () => {
  it('is empty for undefined and blank values', () => {
    expect(parseEgressAllow(undefined).isEmpty).toBe(true);
    expect(parseEgressAllow(' , ').isEmpty).toBe(true);
  });

  it('parses hosts, addresses and CIDRs of both families, trimming and lower-casing', () => {
    const list = parseEgressAllow(' 127.0.0.1, Mail.Internal ,10.0.0.0/8,fd00::/8,[::1], *.corp.example ');
    expect(list.entries).toEqual(['127.0.0.1', 'mail.internal', '10.0.0.0/8', 'fd00::/8', '[::1]', '*.corp.example']);
  });

  it('matches addresses by exact address and by CIDR', () => {
    const list = parseEgressAllow('127.0.0.1,10.0.0.0/8,fd00::/8,::1');
    expect(list.allowsAddress('127.0.0.1')).toBe(true);
    expect(list.allowsAddress('127.0.0.2')).toBe(false);
    expect(list.allowsAddress('10.200.3.4')).toBe(true);
    expect(list.allowsAddress('11.0.0.1')).toBe(false);
    expect(list.allowsAddress('fd12::1')).toBe(true);
    expect(list.allowsAddress('fc00::1')).toBe(false);
    expect(list.allowsAddress('::1')).toBe(true);
  });

  it('lets an allowed IPv4 address through in its IPv4-mapped IPv6 form', () => {
    const list = parseEgressAllow('127.0.0.1');
    expect(list.allowsAddress('::ffff:127.0.0.1')).toBe(true);
    expect(list.allowsAddress('::1')).toBe(false);
  });

  it('matches host names exactly (case and trailing dot ignored) and wildcards by subdomain', () => {
    const list = parseEgressAllow('mail.internal,*.corp.example');
    expect(list.allowsHost('MAIL.internal.')).toBe(true);
    expect(list.allowsHost('x.mail.internal')).toBe(false);
    expect(list.allowsHost('a.b.corp.example')).toBe(true);
    expect(list.allowsHost('corp.example')).toBe(false);
    expect(list.allowsHost('evilcorp.example')).toBe(false);
  });

  it('rejects bad entries, naming each one', () => {
    const attempt = () => parseEgressAllow('10.0.0.0/33,http://x.test,host:8080,bad host,10.0.0.1/x');
    expect(attempt).toThrow(EgressError);
    try {
      attempt();
    } catch (e) {
      const err = e as EgressError;
      expect(err.code).toBe('EGRESS_CONFIG');
      expect(err.message).toContain('MOCKOPS_EGRESS_ALLOW');
      for (const bad of ['10.0.0.0/33', 'http://x.test', 'host:8080', 'bad host', '10.0.0.1/x']) expect(err.message).toContain(`"${bad}"`);
    }
  });
});
