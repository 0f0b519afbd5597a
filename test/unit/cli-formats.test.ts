// The CI formats of postfix-tls check: SARIF 2.1.0, validated against the official schema, and GitHub workflow
// annotations, escaped as GitHub requires.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatGithub, formatSarif } from '../../src/cli/formats.ts';
import type { Finding } from '../../src/lib/engine-types.ts';
import { rules } from '../../src/lib/rules/index.ts';
import { sarifProblems } from '../support/sarif.ts';

const root = resolve(import.meta.dirname, '../..');
const fixtures = join(root, 'test/fixtures/rules');

function run(args: string[], cwd = root) {
  const r = spawnSync(join(root, 'node_modules/.bin/node'), [join(root, 'bin/postfix-tls.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; helpUri?: string; help: { text: string }; defaultConfiguration: { level: string } }[] } };
    originalUriBaseIds: Record<string, { uri: string }>;
    artifacts: { location: { uri: string; uriBaseId?: string } }[];
    results: { ruleId: string; ruleIndex: number; level: string; message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string; index: number }; region: { startLine: number; startColumn: number } } }[] }[];
  }[];
}

const finding = (over: Partial<Finding>): Finding => ({
  file: 'main.cf', line: 1, column: 1, severity: 'error', rule: 'tls-required-on-mx', parameter: null,
  message: 'm', fix: 'f', docs: '/rules/tls-required-on-mx/', ...over,
});

describe('--format sarif', { timeout: 60_000 }, () => {
  /** A working directory the checked files are not under. */
  const elsewhere = mkdtempSync(join(tmpdir(), 'postfix-tls-cwd-'));
  afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

  it('is valid SARIF 2.1.0 with rule metadata, regions and paths relative to the working directory', () => {
    const files = ['tls-required-on-mx/main.cf', 'mandatory-setting-unused/main.cf', 'policy-invalid-level/tls_policy', 'duplicate-service/master.cf'];
    const r = run(['check', '--format', 'sarif', '--postfix', '3.7', '--policy', join(fixtures, files[2]!), join(fixtures, files[0]!), join(fixtures, files[3]!)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout) as SarifLog;
    expect(sarifProblems(log)).toEqual([]);
    const [theRun] = log.runs;
    expect(theRun!.tool.driver.name).toBe('postfix-tls');
    expect(theRun!.tool.driver.rules.map((x) => x.id)).toEqual(rules.map((x) => x.id));
    // Without a published site URL, rules carry their docs path in the help text, not as a (relative) helpUri.
    for (const rule of theRun!.tool.driver.rules) {
      expect(rule.helpUri).toBeUndefined();
      expect(rule.help.text).toContain(`/rules/${rule.id}/`);
    }
    expect(theRun!.originalUriBaseIds['%SRCROOT%']!.uri).toBe(pathToFileURL(`${root}/`).href);
    expect(theRun!.artifacts.map((a) => a.location)).toEqual([files[2], files[0], files[3]].map((f) => ({ uri: `test/fixtures/rules/${f}`, uriBaseId: '%SRCROOT%' })));
    const levels = new Set(theRun!.results.map((x) => x.level));
    expect(levels.has('error')).toBe(true);
    for (const result of theRun!.results) {
      const loc = result.locations[0]!.physicalLocation;
      expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
      expect(loc.region.startColumn).toBeGreaterThanOrEqual(1);
      expect(theRun!.artifacts[loc.artifactLocation.index]!.location.uri).toBe(loc.artifactLocation.uri);
      expect(theRun!.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
    }
    const mx = theRun!.results.find((x) => x.ruleId === 'tls-required-on-mx')!;
    expect(mx.locations[0]!.physicalLocation).toMatchObject({ artifactLocation: { uri: 'test/fixtures/rules/tls-required-on-mx/main.cf' }, region: { startLine: 1, startColumn: 1 } });
    const policy = theRun!.results.find((x) => x.ruleId === 'policy-invalid-level')!;
    expect(policy.locations[0]!.physicalLocation.region).toEqual({ startLine: 1, startColumn: 14 });
  });

  it('is valid with no findings, and lists the files checked', () => {
    const r = run(['check', '--format', 'sarif', join(fixtures, 'clean--tutorial/main.cf'), join(fixtures, 'clean--tutorial/master.cf')]);
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout) as SarifLog;
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.artifacts).toHaveLength(2);
  });

  it('takes absolute help links from --docs-base, and names files outside the working directory by file URI', () => {
    const r = run(['check', '--format', 'sarif', '--docs-base', 'https://postfix-tls.example.org', '--postfix', '3.7', join(fixtures, 'tls-required-on-mx/main.cf')], elsewhere);
    const log = JSON.parse(r.stdout) as SarifLog;
    expect(sarifProblems(log)).toEqual([]);
    const rule = log.runs[0]!.tool.driver.rules.find((x) => x.id === 'tls-required-on-mx')!;
    expect(rule.helpUri).toBe('https://postfix-tls.example.org/rules/tls-required-on-mx/');
    expect(rule.defaultConfiguration.level).toBe('error');
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(pathToFileURL(join(fixtures, 'tls-required-on-mx/main.cf')).href);
  });

  it('maps severities to SARIF levels and keeps odd characters in paths valid', () => {
    const findings = [finding({ file: 'etc/my postfix/main.cf' }), finding({ severity: 'warning', rule: 'mandatory-setting-unused' }), finding({ severity: 'info', rule: 'unknown-rule-id' })];
    const log = JSON.parse(formatSarif(findings, { rules, toolVersion: '1.2.3', cwd: '/work', files: ['etc/my postfix/main.cf', 'main.cf'], postfixVersion: '3.7.11' })) as SarifLog;
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0]!.results.map((x) => x.level)).toEqual(['error', 'warning', 'note']);
    expect(log.runs[0]!.artifacts[0]!.location.uri).toBe('etc/my%20postfix/main.cf');
  });

  it('the validator rejects what is not SARIF', () => {
    expect(sarifProblems({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).not.toEqual([]);
    expect(sarifProblems({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ id: 'r', helpUri: '/rules/r/' }] } } }] })).not.toEqual([]);
  });
});

describe('--format github', () => {
  it('writes one workflow command per finding, notice for info', () => {
    const out = formatGithub([finding({}), finding({ severity: 'warning', line: 2, column: 3 }), finding({ severity: 'info' })], '/work');
    expect(out.split('\n').map((l) => l.split(' ')[0])).toEqual(['::error', '::warning', '::notice', '']);
    expect(out).toContain('::warning file=main.cf,line=2,col=3,title=tls-required-on-mx::m%0AFix: f%0ADocs: /rules/tls-required-on-mx/\n');
  });

  it('escapes %, CR and LF in messages, and also : and , in properties', () => {
    const out = formatGithub([finding({ file: '/work/a,b:c/main.cf', message: '100% sure\r\nreally', fix: 'x' })], '/work');
    expect(out).toBe('::error file=a%2Cb%3Ac/main.cf,line=1,col=1,title=tls-required-on-mx::100%25 sure%0D%0Areally%0AFix: x%0ADocs: /rules/tls-required-on-mx/\n');
  });
});
