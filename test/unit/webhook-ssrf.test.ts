// Receivers are untrusted: which endpoint URLs are accepted, which resolved addresses count as public (SSRF, incl. IPv4-mapped IPv6 and cloud metadata), that a DNS answer naming an internal address is refused at connect time, and the retry schedule’s bounds and the webhook settings.
import { checkLiteralHost, isPublicAddress, parseEndpointUrl, pinnedLookup, RefusedAddressError } from '../../src/webhooks/ssrf.guard';
import { nextAttempt, retryDelayMs } from '../../src/webhooks/webhook.retry';
import { loadConfig } from '../../src/config';

describe('endpoint URLs', () => {
  it('accepts https anywhere and http only to localhost or 127.0.0.1 outside production', () => {
    expect(parseEndpointUrl('https://hooks.example.com/x', true)).toBe('https://hooks.example.com/x');
    expect(parseEndpointUrl('http://127.0.0.1:8080/x', false)).toBe('http://127.0.0.1:8080/x');
    expect(parseEndpointUrl('http://localhost/x', false)).toBe('http://localhost/x');
    for (const [url, production] of [
      ['http://127.0.0.1/x', true],
      ['http://example.com/x', false],
      ['ftp://example.com/x', false],
      ['https://user:pass@example.com/x', false],
      ['https://example.com/x#frag', false],
      ['not a url', false],
      [`https://example.com/${'a'.repeat(2100)}`, false],
    ] as const) {
      expect(() => parseEndpointUrl(url, production)).toThrow(expect.objectContaining({ code: 'INVALID_WEBHOOK_URL' }));
    }
  });
});

describe('addresses', () => {
  it('counts only public unicast as public', () => {
    for (const address of ['8.8.8.8', '2001:4860:4860::8888', '1.1.1.1']) expect(isPublicAddress(address)).toBe(true);
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '224.0.0.1', '255.255.255.255', 'nonsense']) {
      expect(isPublicAddress(address)).toBe(false);
    }
  });

  it('refuses IPv6 outside global unicast 2000::/3: IPv4-compatible ::a.b.c.d (reaches the IPv4 address on stacks that still tunnel it) and unassigned space', () => {
    for (const address of ['::7f00:1', '::127.0.0.1', '::a9fe:a9fe', '::10.0.0.1', '4000::1', 'e000::1']) expect(isPublicAddress(address)).toBe(false);
    expect(() => checkLiteralHost(new URL('https://[::169.254.169.254]/latest'), false)).toThrow(RefusedAddressError);
  });

  it('refuses IP-literal hosts unless private addresses are allowed', () => {
    expect(() => checkLiteralHost(new URL('https://169.254.169.254/latest'), false)).toThrow(RefusedAddressError);
    expect(() => checkLiteralHost(new URL('https://[::1]/x'), false)).toThrow(RefusedAddressError);
    expect(() => checkLiteralHost(new URL('https://127.0.0.1/x'), true)).not.toThrow();
    expect(() => checkLiteralHost(new URL('https://8.8.8.8/x'), false)).not.toThrow();
  });

  it('refuses at connect time a name that resolves to a loopback address, and pins an allowed one', async () => {
    const lookup = (allow: boolean, all: boolean) =>
      new Promise<{ error: Error | null; address: unknown }>((resolve) => pinnedLookup(allow)('localhost', { all }, (error, address) => resolve({ error, address })));
    const refused = await lookup(false, false);
    expect(refused.error).toBeInstanceOf(RefusedAddressError);
    const allowed = await lookup(true, true);
    expect(allowed.error).toBeNull();
    expect(allowed.address).toHaveLength(1);
  });
});

describe('retry schedule', () => {
  const config = { retryBaseMs: 1000, retryMaxDelayMs: 60_000, retryWindowMs: 3 * 86_400_000 };

  it('doubles from the base with jitter of at most half, capped', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const full = Math.min(config.retryMaxDelayMs, config.retryBaseMs * 2 ** (attempt - 1));
      const delay = retryDelayMs(config, attempt);
      expect(delay).toBeGreaterThanOrEqual(full - Math.floor(full / 2));
      expect(delay).toBeLessThanOrEqual(full);
    }
  });

  it('gives up once the next attempt would fall after the window', () => {
    expect(nextAttempt(config, 1, 0, 0)).not.toBeNull();
    expect(nextAttempt(config, 30, 0, config.retryWindowMs - 1)).toBeNull();
  });
});

describe('webhook settings', () => {
  const base = { GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'), DATABASE_URL: 'sqlite::memory:', METRICS_AUTH: 'a:b' };

  it('refuse private receivers by default in production only, and a lease no longer than an attempt', () => {
    expect(loadConfig({ ...base, NODE_ENV: 'production' }).webhooks.allowPrivateAddresses).toBe(false);
    expect(loadConfig({ ...base, NODE_ENV: 'test' }).webhooks.allowPrivateAddresses).toBe(true);
    expect(loadConfig({ ...base, NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }).webhooks.allowPrivateAddresses).toBe(true);
    const defaults = loadConfig({ ...base, NODE_ENV: 'test' }).webhooks;
    expect(defaults).toMatchObject({ timeoutMs: 5000, retryWindowMs: 3 * 86_400_000, worker: true });
    expect(() => loadConfig({ ...base, NODE_ENV: 'test', WEBHOOK_TIMEOUT_MS: '5000', WEBHOOK_LEASE_MS: '5000' })).toThrow(/WEBHOOK_LEASE_MS/);
  });
});
