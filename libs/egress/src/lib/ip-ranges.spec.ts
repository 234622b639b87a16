import { classifyAddress } from './ip-ranges';
import { formatIp, parseIp } from './ip-address';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['169.254.169.254', 'link-local'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ])('%s is %s', (address, range) => {
    expect(classifyAddress(address)?.range).toBe(range);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::10.1.2.3', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['::127.0.0.1', 'loopback'],
  ])('IPv6 carrying an IPv4 address: %s is %s', (address, range) => {
    const found = classifyAddress(address);
    expect(found?.range).toBe(range);
    expect(found?.label).toContain('IPv4 embedded in IPv6');
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::1'])(
    '%s is public',
    (address) => {
      expect(classifyAddress(address)).toBeNull();
    },
  );

  it('names the cloud metadata endpoint', () => {
    expect(classifyAddress('169.254.169.254')?.label).toBe('link-local, cloud metadata');
    expect(classifyAddress('fd00:ec2::254')?.label).toBe('private range, cloud metadata');
  });

  it('throws on something that is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow('not an IP address');
  });
});

describe('parseIp / formatIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['[::1]', '::1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ])('%s round-trips as %s', (input, output) => {
    const ip = parseIp(input);
    if (!ip) throw new Error(`${input} did not parse`);
    expect(formatIp(ip)).toBe(output);
  });

  it('returns null for host names', () => {
    expect(parseIp('localhost')).toBeNull();
    expect(parseIp('10.0.0')).toBeNull();
  });
});
