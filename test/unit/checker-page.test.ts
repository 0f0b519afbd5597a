// The logic behind /check/ that runs outside the page: what a pasted or dropped text is, which box it
// belongs in, the checker's answer (findings with excerpts, misplaced boxes) and the worker request queue.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { excerptOf, lineAt, lineStarts, misplacedBoxes, runCheck, EXCERPT_CHARS } from '../../src/lib/checker/run.ts';
import { kindFromContent, kindOfFile, looksBinary } from '../../src/lib/file-kinds.ts';
import { LatestOnly } from '../../src/lib/latest-only.ts';
import { testFacts } from '../fixtures/facts.ts';

const facts = testFacts();
const MAIN = '# main.cf\nsmtpd_tls_security_level = may\nsmtpd_tls_chain_files =\n    /etc/postfix/key.pem,\n    /etc/postfix/fullchain.pem\n';
const MASTER = '# service type private unpriv chroot wakeup maxproc command\nsmtp      inet  n       -       y       -       -       smtpd\nsubmission inet n       -       y       -       -       smtpd\n  -o syslog_name=postfix/submission\n  -o smtpd_tls_security_level=encrypt\n';
const POLICY = 'example.com          secure\n[mail.example.net]:587 encrypt\n.example.org         verify match=.example.org\n';
const LOG = [
  'Nov 23 18:35:35 mx postfix/smtpd[20904]: connect from localhost[127.0.0.1]',
  '2024-05-01T10:00:00.123456+02:00 mx postfix/smtp[1]: Trusted TLS connection established to mx.example.com[192.0.2.1]:25: TLSv1.3',
  'postfix/qmgr[77]: 4A1B2C3D: removed',
  '\u001b[0;1;31mNov 23 18:35:36 mx postfix/smtpd[20904]: warning: TLS library problem\u001b[0m',
].join('\n');
const empty = { main: '', master: '', policy: '' };

describe('what a text is', () => {
  it('tells main.cf, master.cf, a policy table and a mail log apart from their lines', () => {
    expect(kindFromContent(MAIN)).toBe('main');
    expect(kindFromContent(MASTER)).toBe('master');
    expect(kindFromContent(POLICY)).toBe('policy');
    expect(kindFromContent(LOG)).toBe('log');
    // postconf -n output, and main.cf with a byte order mark.
    expect(kindFromContent('compatibility_level = 3.6\nmyhostname = mx.example.com\n')).toBe('main');
    expect(kindFromContent('\ufeffsmtpd_tls_security_level = may\n')).toBe('main');
  });

  it('says nothing about empty text, comments only, or lines that disagree', () => {
    expect(kindFromContent('')).toBeUndefined();
    expect(kindFromContent('# just a comment\n\n')).toBeUndefined();
    expect(kindFromContent('hello world\n')).toBeUndefined();
    expect(kindFromContent(`${MAIN}${MASTER}`)).toBeUndefined();
  });

  it('calls bytes no text file holds binary, but not colour codes or non-ASCII text', () => {
    expect(looksBinary('\x89PNG\r\n\x1a\n\0\0\0\rIHDR')).toBe(true);
    expect(looksBinary('\ufffd\ufffd\ufffd\ufffdabc')).toBe(true);
    expect(looksBinary(LOG)).toBe(false);
    expect(looksBinary('smtpd_banner = $myhostname ESMTP – Grüße\n')).toBe(false);
    expect(kindFromContent('\0\0\0')).toBe('binary');
  });

  it('reads a bounded sample: a huge input costs no more than a small one', () => {
    const huge = 'smtpd_tls_loglevel = 1\n'.repeat(400_000); // 9 MB
    const started = performance.now();
    for (let i = 0; i < 20; i++) kindFromContent(huge);
    expect(performance.now() - started).toBeLessThan(500);
    expect(kindFromContent(huge)).toBe('main');
  });

  it('puts a dropped file by its name first, then by its content; a log or binary file whatever its name', () => {
    expect(kindOfFile('/etc/postfix/main.cf', MASTER)).toBe('main');
    expect(kindOfFile('master.cf.j2', '')).toBe('master');
    expect(kindOfFile('tls_policy', '')).toBe('policy');
    expect(kindOfFile('services.txt', MASTER)).toBe('master');
    expect(kindOfFile('notes.txt', 'hello\n')).toBeUndefined();
    expect(kindOfFile('main.cf', LOG)).toBe('log');
    expect(kindOfFile('main.cf', '\0binary')).toBe('binary');
  });
});

describe('the checker answer', () => {
  it('checks each box as labelled when its text fits, with the source line as excerpt', () => {
    const answer = runCheck({ texts: { ...empty, main: 'smtpd_tls_security_level = may\nsmtpd_tls_securty_level = may\n' }, postfix: '3.11' }, facts);
    expect(answer.checked).toEqual(['main']);
    expect(answer.misplaced).toEqual([]);
    const typo = answer.findings.find((f) => f.rule === 'unknown-parameter');
    expect(typo).toMatchObject({ line: 2, column: 1, excerpt: 'smtpd_tls_securty_level = may', caret: 1 });
    expect(answer.total).toBe(answer.findings.length);
    expect(answer.counts.error + answer.counts.warning + answer.counts.info).toBe(answer.total);
  });

  it('leaves out a box that holds another file, names what it holds and where it belongs', () => {
    expect(misplacedBoxes({ ...empty, main: MASTER })).toEqual([
      { box: 'main', looksLike: 'master', moveTo: 'master', message: 'The main.cf box holds what looks like master.cf, not main.cf, so it was not checked as one.' },
    ]);
    expect(misplacedBoxes({ ...empty, main: POLICY, master: MAIN })).toMatchObject([
      { box: 'main', looksLike: 'policy', moveTo: 'policy' },
      { box: 'master', looksLike: 'main', moveTo: 'main' },
    ]);
    expect(misplacedBoxes({ main: LOG, master: '\0\0', policy: '' })).toEqual([
      { box: 'main', looksLike: 'log', moveTo: undefined, message: 'The main.cf box holds a Postfix mail log, not a configuration file; the log explainer reads those lines.' },
      { box: 'master', looksLike: 'binary', moveTo: undefined, message: 'The master.cf box holds binary data (not a text file), so there is nothing to check in it.' },
    ]);
    const answer = runCheck({ texts: { ...empty, main: MASTER }, postfix: '3.11' }, facts);
    expect(answer).toMatchObject({ findings: [], total: 0, checked: [] });
  });

  it('finds each excerpt in time linear in the input: 20 000 findings in a 20 000-line file', () => {
    const text = 'smtpd_tls_loglevel = 1\n'.repeat(20_000);
    const started = performance.now();
    const starts = lineStarts(text);
    let n = 0;
    for (let line = 1; line <= 20_000; line++) n += lineAt(text, starts, line).length;
    expect(n).toBe(22 * 20_000);
    expect(performance.now() - started).toBeLessThan(200);
    expect(lineAt('a\r\nb\r\n', lineStarts('a\r\nb\r\n'), 2)).toBe('b');
    expect(lineAt('a', lineStarts('a'), 5)).toBe('');
  });

  it('cuts a long line to a window around the column, keeping the caret on the same character', () => {
    fc.assert(fc.property(fc.string({ minLength: 0, maxLength: 600 }), fc.nat(600), (source, c) => {
      const column = Math.min(c, source.length) + 1;
      const { excerpt, caret } = excerptOf(source, column);
      expect(excerpt.length).toBeLessThanOrEqual(EXCERPT_CHARS + 2);
      if (column <= source.length) expect(excerpt[caret - 1]).toBe(source[column - 1]);
    }));
  });
});

describe('the worker request queue', () => {
  it('keeps one request in flight and only the newest waiting; older answers are dropped', () => {
    const sent: [number, string][] = [];
    let restarts = 0;
    let now = 0;
    const q = new LatestOnly<string>((id, req) => sent.push([id, req]), () => restarts++, 4000, () => now);
    q.submit('a');
    q.submit('b');
    q.submit('c');
    expect(sent).toEqual([[1, 'a']]);
    expect(q.settle(1)).toBe(false); // out of date: "c" goes out instead, "b" never does
    expect(sent).toEqual([[1, 'a'], [2, 'c']]);
    expect(q.settle(1)).toBe(false);
    expect(q.settle(2)).toBe(true);
    expect(q.busy).toBe(false);
    // A request that has run too long is abandoned when a newer one comes.
    q.submit('d');
    now = 5000;
    q.submit('e');
    expect(restarts).toBe(1);
    expect(sent.at(-1)).toEqual([4, 'e']);
    expect(q.settle(3)).toBe(false);
    expect(q.settle(4)).toBe(true);
    q.submit('f');
    q.cancel();
    expect(q.settle(5)).toBe(false);
    expect(q.busy).toBe(false);
  });
});
