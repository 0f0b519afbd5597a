import { describe, expect, it } from 'vitest';
import { groupItems, keyShares, opensslDefaultGroups, postfix311Openssl35Curves } from '../../../src/lib/rules/support/key-exchange-groups.ts';

/**
 * The model of OpenSSL 3.5's group list (ssl/t1_lib.c, tls1_set_groups_list) that post-quantum-key-share-upfront
 * relies on: which groups get a key share in the first ClientHello. Expectations follow that code by hand.
 */
const shares = (curves: string, ffdhe = '') => keyShares([...groupItems(curves, 'tls_eecdh_auto_curves'), ...groupItems(ffdhe, 'tls_ffdhe_auto_groups')])?.shares;

describe('first-handshake key shares (OpenSSL 3.5 group list)', () => {
  it('Postfix 3.11 default: the hybrid is offered first, DEFAULT marks only X25519 for a key share', () => {
    const r = keyShares(groupItems(postfix311Openssl35Curves, 'tls_eecdh_auto_curves'));
    expect(r?.groups.slice(0, 2)).toEqual(['x25519mlkem768', 'x25519']);
    expect(r?.shares).toEqual(['x25519']);
  });

  it('OpenSSL\'s own DEFAULT sends two key shares, the hybrid included', () => {
    expect(shares('DEFAULT')).toEqual(['x25519mlkem768', 'x25519']);
    expect(shares(opensslDefaultGroups)).toEqual(['x25519mlkem768', 'x25519']);
  });

  it('without any "*", the first TLS 1.3 group gets the one key share; "?" does not change that', () => {
    expect(shares('X25519MLKEM768 X25519 prime256v1')).toEqual(['x25519mlkem768']);
    expect(shares('?X25519MLKEM768,X25519')).toEqual(['x25519mlkem768']);
    expect(shares('X25519 X25519MLKEM768')).toEqual(['x25519']);
    expect(shares('brainpoolP256r1 SecP256r1MLKEM768 secp256r1')).toEqual(['secp256r1mlkem768']);
  });

  it('a "*" anywhere replaces the implicit key share, across both parameters', () => {
    expect(shares('X25519MLKEM768 *X25519')).toEqual(['x25519']);
    expect(shares('X25519 prime256v1', 'ffdhe2048 *MLKEM768')).toEqual(['mlkem768']);
  });

  it('a repeated group keeps its first place and prefix', () => {
    expect(shares('X25519MLKEM768:*X25519MLKEM768:X25519')).toEqual(['x25519mlkem768']);
    expect(shares('P-256 *prime256v1 *X25519')).toEqual(['x25519']);
  });

  it('answers nothing for names or prefixes it does not model', () => {
    expect(shares('X25519MLKEM768 oqs_kem_default')).toBeUndefined();
    expect(shares('-X25519 X25519MLKEM768')).toBeUndefined();
    expect(shares('*DEFAULT')).toBeUndefined();
    expect(shares('**X25519')).toBeUndefined();
    expect(shares('')).toBeUndefined();
  });
});
