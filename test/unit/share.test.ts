import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeShared, encodeShared } from '../../src/lib/share.ts';

describe('shared checker links', () => {
  it('round-trips any input through the URL fragment', async () => {
    await fc.assert(fc.asyncProperty(fc.record({ main: fc.string(), master: fc.string(), policy: fc.string() }), async (input) => {
      const packed = await encodeShared(input);
      expect(packed).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(await decodeShared(packed)).toEqual({ ...input, postfix: undefined, compat: undefined });
    }), { numRuns: 200 });
  });

  it('compresses a realistic main.cf well below its size', async () => {
    const main = Array.from({ length: 200 }, (_, i) => `smtpd_tls_security_level = may # line ${i}`).join('\n');
    expect((await encodeShared({ main, master: '', policy: '' })).length).toBeLessThan(main.length / 5);
  });

  it('returns null instead of throwing on a damaged fragment', async () => {
    expect(await decodeShared('not!base64')).toBeNull();
    expect(await decodeShared('AAAA')).toBeNull();
  });
});
