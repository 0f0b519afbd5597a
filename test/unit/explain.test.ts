import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContentDir } from '../../src/lib/content-lint/content-dir.ts';
import {
  compilePatterns, explainLog, isTlsRelated, parsePrefix, splitLines, summarise, type ExplainPattern,
} from '../../src/lib/explain/explain-log.ts';
import type { LogPattern } from '../../src/lib/schema/log-pattern.ts';

const root = resolve(import.meta.dirname, '../..');
let patterns: LogPattern[] = [];

beforeAll(async () => {
  const { content, problems } = await loadContentDir(root);
  // Only the log patterns are this suite's business; other content is checked by the content tier.
  expect(problems.filter((p) => p.file.startsWith('content/log-patterns/'))).toEqual([]);
  patterns = content.logPatterns.map((e) => e.value);
});

const byId = (id: string) => patterns.find((p) => p.id === id)!;
const one = (line: string) => explainLog(line, patterns)[0]!;

describe('the real log patterns', () => {
  it('there are at least 20, each with at least one example', () => {
    expect(patterns.length).toBeGreaterThanOrEqual(20);
    for (const p of patterns) expect(p.examples.length, p.id).toBeGreaterThan(0);
  });

  it('every example is explained by its own pattern', () => {
    const wrong: string[] = [];
    for (const p of patterns) {
      for (const example of p.examples) {
        const r = one(example);
        if (r.kind !== 'explained' || r.patternId !== p.id) wrong.push(`${p.id}: ${r.kind === 'explained' ? r.patternId : r.kind} <- ${example}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no example matches another pattern as well (so no order of patterns can shadow one)', () => {
    const compiled = patterns.map((p) => ({ id: p.id, re: new RegExp(p.match) }));
    const overlaps: string[] = [];
    for (const p of patterns) {
      for (const example of p.examples) {
        const message = parsePrefix(example)?.message ?? example;
        for (const other of compiled) {
          if (other.id !== p.id && other.re.test(message)) overlaps.push(`${p.id} example also matches ${other.id}: ${example}`);
        }
      }
    }
    expect(overlaps).toEqual([]);
  });

  it('the explanation of every pattern is the same whichever order the patterns come in', () => {
    const reversed = [...patterns].reverse();
    for (const p of patterns) {
      for (const example of p.examples) {
        const r = explainLog(example, reversed)[0]!;
        expect(r.kind === 'explained' && r.patternId, example).toBe(p.id);
      }
    }
  });

  it('placeholders name groups of the match, and every example fills those in the explanation', () => {
    for (const p of patterns) {
      const groups = new Set([...p.match.matchAll(/\(\?<([A-Za-z_]\w*)>/g)].map((m) => m[1]));
      for (const text of [p.explanation, ...p.next_steps]) {
        for (const [, name] of text.matchAll(/\{([A-Za-z_]\w*)\}/g)) expect(groups.has(name), `${p.id}: {${name}}`).toBe(true);
      }
      for (const example of p.examples) {
        const r = one(example);
        if (r.kind !== 'explained') continue;
        expect(r.explanation, `${p.id}: ${example}`).not.toMatch(/\{[A-Za-z_]\w*\}/);
        for (const step of r.nextSteps) expect(step, `${p.id}: ${example}`).not.toMatch(/\{[A-Za-z_]\w*\}/);
      }
    }
  });

  it('fills placeholders with the captured values', () => {
    const r = one('Nov 23 18:35:36 mx postfix/smtpd[20904]: Anonymous TLS connection established from localhost[127.0.0.1]: TLSv1.2 with cipher ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits)');
    expect(r.kind).toBe('explained');
    if (r.kind !== 'explained') return;
    expect(r.patternId).toBe('connection-anonymous-inbound');
    expect(r.severity).toBe('ok');
    expect(r.fields).toMatchObject({ peer: 'localhost[127.0.0.1]', protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384', bits: '256/256' });
    expect(r.explanation).toContain('The client localhost[127.0.0.1]');
    expect(r.explanation).toContain('TLSv1.2');
    expect(r.explanationTemplate).toBe(byId('connection-anonymous-inbound').explanation);
    expect(r.parameters).toContain('smtpd_tls_ask_ccert');
  });

  it('every pattern names at least one parameter and cites at least one source', () => {
    for (const p of patterns) {
      expect(p.parameters.length, p.id).toBeGreaterThan(0);
      expect(p.sources.length, p.id).toBeGreaterThan(0);
    }
  });
});

describe('prefix parsing', () => {
  it('parses the classic syslog prefix', () => {
    expect(parsePrefix('Nov 23 18:35:35 mx postfix/smtpd[20904]: connect from localhost[127.0.0.1]')).toEqual({
      prefix: { timestamp: 'Nov 23 18:35:35', host: 'mx', program: 'postfix/smtpd', pid: 20904 },
      message: 'connect from localhost[127.0.0.1]',
    });
  });

  it('parses a single-digit day padded with a space and a nested program name', () => {
    expect(parsePrefix('Sep  4 14:06:43 redmail postfix/submission/smtpd[1395622]: hello')?.prefix).toEqual(
      { timestamp: 'Sep  4 14:06:43', host: 'redmail', program: 'postfix/submission/smtpd', pid: 1395622 });
  });

  it('parses the ISO 8601 (RFC 3339) form', () => {
    expect(parsePrefix('2026-11-23T18:00:00.123456+00:00 mail postfix/smtpd[123]: disconnect from x[1.2.3.4]')).toEqual({
      prefix: { timestamp: '2026-11-23T18:00:00.123456+00:00', host: 'mail', program: 'postfix/smtpd', pid: 123 },
      message: 'disconnect from x[1.2.3.4]',
    });
  });

  it('parses container logs with a level instead of a host', () => {
    expect(parsePrefix('2023-12-30T21:20:26.625192+00:00 WARNING postfix/smtpd[481]: warning: x')?.prefix).toEqual(
      { timestamp: '2023-12-30T21:20:26.625192+00:00', level: 'WARNING', program: 'postfix/smtpd', pid: 481 });
  });

  it('parses lines without timestamp or host, and lines with a timestamp but no host', () => {
    expect(parsePrefix('postfix/smtpd[3319640]: lost connection after STARTTLS from x[1.2.3.4]')?.prefix).toEqual({ program: 'postfix/smtpd', pid: 3319640 });
    expect(parsePrefix('Feb  2 12:15:21 postfix/smtp[1520]: 30E4E7461347: Server certificate not verified')?.prefix).toEqual(
      { timestamp: 'Feb  2 12:15:21', program: 'postfix/smtp', pid: 1520 });
  });

  it('returns null for text without a prefix', () => {
    expect(parsePrefix('warning: TLS library problem: whatever')).toBeNull();
    expect(parsePrefix('')).toBeNull();
    expect(parsePrefix('just some words')).toBeNull();
  });

  it('explainLog exposes the prefix and the message part of both formats', () => {
    const [a, b] = explainLog([
      'Nov 23 18:35:38 mx postfix/smtpd[20904]: SSL_accept error from localhost[127.0.0.1]: -1',
      '2026-11-23T18:00:00.123456+00:00 host postfix/smtpd[123]: SSL_accept error from localhost[127.0.0.1]: -1',
    ].join('\n'), patterns);
    for (const r of [a!, b!]) {
      expect(r.kind).toBe('explained');
      expect(r.message).toBe('SSL_accept error from localhost[127.0.0.1]: -1');
      expect(r.prefix?.program).toBe('postfix/smtpd');
    }
    expect(a!.prefix).toMatchObject({ timestamp: 'Nov 23 18:35:38', host: 'mx', pid: 20904 });
    expect(b!.prefix).toMatchObject({ timestamp: '2026-11-23T18:00:00.123456+00:00', host: 'host', pid: 123 });
  });
});

describe('lines no pattern explains', () => {
  const unknownTls = [
    // Real lines from the runs behind the patterns, deliberately without a pattern of their own.
    'Nov 23 18:35:39 mx postfix/smtpd[20904]: warning: TLS library problem: error:0A0000F4:SSL routines::unexpected message:../ssl/record/rec_layer_s3.c:1539:',
    'postfix/tlsmgr[3320020]: open smtpd TLS cache btree:/var/lib/postfix/smtpd_scache',
    'postfix/tlsmgr[3320020]: tlsmgr_cache_run_event: start TLS smtpd session cache cleanup',
    'Nov 23 18:39:28 mx postfix/smtpd[29127]: warning: something about smtpd_tls_CAfile we never saw',
    'STARTTLS is great',
  ];
  const notTls = [
    'Nov 23 18:35:35 mx postfix/smtpd[20904]: connect from localhost[127.0.0.1]',
    'Nov 23 18:38:20 client postfix/smtp[26491]: 5BF5E20E32E: to=<user@untrusted.test>, relay=127.0.0.1[127.0.0.1]:38295, delay=0.06, delays=0.01/0.03/0/0.02, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 67E6620E334)',
    'Nov 23 18:35:35 mx postfix/smtpd[20904]: disconnect from localhost[127.0.0.1] commands=0/0',
    'Nov 23 18:36:53 client postfix/qmgr[22985]: 44BAF20E0E5: from=<a@client.test.example>, size=448, nrcpt=1 (queue active)',
    'hello world',
  ];

  it('TLS-looking lines are "unrecognised-tls", never guessed', () => {
    for (const line of unknownTls) expect(one(line).kind, line).toBe('unrecognised-tls');
  });

  it('other lines are "not-tls"', () => {
    for (const line of notTls) expect(one(line).kind, line).toBe('not-tls');
  });

  it('empty and whitespace-only lines are "blank"', () => {
    expect(explainLog('\n   \n\t', patterns).map((r) => r.kind)).toEqual(['blank', 'blank', 'blank']);
  });

  it('the program name alone can make a line TLS-related', () => {
    expect(isTlsRelated('open cache', 'postfix/tlsmgr')).toBe(true);
    expect(isTlsRelated('open cache', 'postfix/qmgr')).toBe(false);
  });
});

describe('explainLog robustness', () => {
  it('returns one result per line for LF, CRLF and CR, numbered from 1', () => {
    const text = 'a\r\nb\rc\nd';
    const results = explainLog(text, patterns);
    expect(results.map((r) => r.lineNumber)).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.raw)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('CRLF input is explained like LF input', () => {
    const lf = byId('handshake-ssl-accept-error').examples.join('\n');
    const crlf = lf.replaceAll('\n', '\r\n');
    expect(explainLog(crlf, patterns).map((r) => r.kind === 'explained' && r.patternId))
      .toEqual(explainLog(lf, patterns).map((r) => r.kind === 'explained' && r.patternId));
  });

  it('drops terminal colour codes (journalctl, grep --color) before explaining', () => {
    const plain = byId('handshake-ssl-accept-error').examples[0]!;
    const coloured = `\u001b[0;1;31m${plain.replace(/ /, ' \u001b[1m')}\u001b[0m`;
    const [r] = explainLog(`${coloured}\n`, patterns);
    expect(r).toMatchObject({ kind: 'explained', patternId: 'handshake-ssl-accept-error', raw: plain });
  });

  it('skips patterns whose regular expression does not compile', () => {
    const broken: ExplainPattern = { ...byId('handshake-ssl-accept-error'), id: 'broken', match: '(unclosed' };
    expect(compilePatterns([broken, ...patterns])).toHaveLength(patterns.length);
    expect(() => explainLog('SSL_accept error from x[1.2.3.4]: -1', [broken, ...patterns])).not.toThrow();
  });

  it('handles a huge line quickly', () => {
    const huge = `Nov 23 18:35:38 mx postfix/smtpd[1]: warning: TLS library problem: ${'x:'.repeat(500_000)}`;
    const started = performance.now();
    const [r] = explainLog(`${huge}\n${'y'.repeat(1_000_000)}`, patterns);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(r!.kind).toBe('unrecognised-tls');
    expect(r!.raw).toBe(huge);
  });

  it('never throws and returns one result per line, whatever the input (property)', () => {
    const fragments = fc.constantFrom(
      'Nov 23 18:35:38 mx postfix/smtpd[20904]: ', '2026-11-23T18:00:00.123456+00:00 host postfix/smtp[1]: ', 'TLS ', 'SSL_accept error from ',
      'x[1.2.3.4]', ': -1', 'TLS library problem: error:0A000102:SSL routines::', 'starttls=0/1', '{peer}', '\u0000', '\uD800', '\r', '\n', '\r\n',
      '[', ']', '(', '\\', '$&', '%', '\u202E', '😀',
    );
    const input = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.oneof(fragments, fc.string({ maxLength: 20 })), { maxLength: 30 }).map((parts) => parts.join('')),
    );
    fc.assert(fc.property(input, (text) => {
      const results = explainLog(text, patterns);
      expect(results).toHaveLength(splitLines(text).length);
      results.forEach((r, i) => {
        expect(r.lineNumber).toBe(i + 1);
        expect(['explained', 'unrecognised-tls', 'not-tls', 'blank']).toContain(r.kind);
      });
      expect(results.map((r) => r.raw).join('\n')).toBe(text.replace(/\r\n|\r/g, '\n'));
    }), { numRuns: 500 });
  });

  it('survives input that is not a string at runtime', () => {
    expect(() => explainLog(undefined as unknown as string, patterns)).not.toThrow();
    expect(() => explainLog(42 as unknown as string, patterns)).not.toThrow();
  });

  it('summarise counts kinds and severities', () => {
    const text = [
      byId('connection-anonymous-inbound').examples[0], byId('handshake-ssl-accept-error').examples[0],
      'postfix/tlsmgr[1]: open smtpd TLS cache', 'connect from x[1.2.3.4]', '',
    ].join('\n');
    expect(summarise(explainLog(text, patterns))).toEqual({
      lines: 5, explained: 2, unrecognised: 1, notTls: 1, blank: 1, bySeverity: { ok: 1, info: 0, warning: 1, error: 0 },
    });
  });
});

describe('the explainer code stays in the browser', () => {
  const dir = join(root, 'src/lib/explain');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => ({ f, text: readFileSync(join(dir, f), 'utf8') }));

  it('uses no network API', () => {
    for (const { f, text } of files) {
      expect(text, f).not.toMatch(/\bfetch\s*\(|XMLHttpRequest|sendBeacon|WebSocket|EventSource|navigator\.|import\s*\(/);
    }
  });

  it('imports nothing from node: or astro:, and only with explicit .ts extensions', () => {
    for (const { f, text } of files) {
      for (const [, spec] of text.matchAll(/^(?:import|export)\b[^'"]*from\s+'([^']+)'/gm)) {
        expect(spec, f).not.toMatch(/^(?:node|astro):/);
        if (spec!.startsWith('.')) expect(spec, f).toMatch(/\.ts$/);
      }
    }
  });
});
