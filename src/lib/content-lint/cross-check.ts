import { compareVersions, lineOf } from '../versions.ts';
import type { Content, Located } from './load-content.ts';
import type { ContentProblem } from './problem.ts';

type Path = (string | number)[];

/** The oldest line the release matrix builds from source (test/postfix/releases.ts); older lines are history only. */
export const MATRIX_OLDEST = '3.4';

/** Checks references between entries: versions name real releases, names name real parameters. */
export function crossCheck(content: Content): ContentProblem[] {
  const problems: ContentProblem[] = [];
  const releases = new Map(content.releases.map((r) => [r.value.version, r.value]));
  const parameters = new Map(content.parameters.map((p) => [p.value.name, p.value]));

  const at = (entry: Located<unknown>, path: Path, field: string, reason: string) =>
    problems.push({ file: entry.doc.file, line: entry.doc.lineOf(path) + entry.lineOffset, field, reason });
  const release = (entry: Located<unknown>, path: Path, version: string | undefined) => {
    if (version === undefined) return;
    const line = releases.get(lineOf(version));
    if (!line) {
      at(entry, path, path.join('.'), `"${version}" is not a known Postfix release (see content/releases.yaml)`);
    } else if (compareVersions(version, line.latest) > 0) {
      at(entry, path, path.join('.'), `"${version}" is newer than the newest ${line.version} patch release (${line.latest}, content/releases.yaml)`);
    }
  };
  /** Back-ports name patch releases of lines older than the change itself, each line once. */
  const backports = (entry: Located<unknown>, path: Path, from: string, list: readonly string[] | undefined) => {
    const lines = new Set<string>();
    list?.forEach((b, i) => {
      release(entry, [...path, i], b);
      if (compareVersions(lineOf(b), lineOf(from)) >= 0) at(entry, [...path, i], [...path, i].join('.'), `back-port "${b}" must be on a line older than ${from}`);
      if (lines.has(lineOf(b))) at(entry, [...path, i], [...path, i].join('.'), `line ${lineOf(b)} is back-ported twice`);
      lines.add(lineOf(b));
    });
  };
  const parameter = (entry: Located<unknown>, path: Path, name: string) => {
    if (!parameters.has(name)) at(entry, path, path.join('.'), `"${name}" is not a known parameter (no content/parameters/${name}.yaml)`);
  };

  const seen = new Set<string>();
  for (const entry of content.releases) {
    if (seen.has(entry.value.version)) at(entry, [], 'version', `"${entry.value.version}" is listed twice`);
    seen.add(entry.value.version);
  }

  for (const entry of content.parameters) {
    const p = entry.value;
    release(entry, ['since'], p.since);
    backports(entry, ['since_backported'], p.since, p.since_backported);
    p.defaults.forEach((d, i) => {
      release(entry, ['defaults', i, 'from'], d.from);
      backports(entry, ['defaults', i, 'backported'], d.from, d.backported);
      const prev = p.defaults[i - 1];
      if (prev && compareVersions(d.from, prev.from) <= 0) at(entry, ['defaults', i, 'from'], `defaults.${i}.from`, `must be later than the entry before it (${prev.from})`);
    });
    if (p.defaults[0] && (p.defaults[0].from !== p.since || String(p.defaults[0].backported ?? []) !== String(p.since_backported ?? []))) {
      at(entry, ['defaults', 0, 'from'], 'defaults.0.from', `first default must start at "since" (${p.since}${p.since_backported ? `, back-ported to ${p.since_backported.join(', ')}` : ''})`);
    }
    p.values?.forEach((v, i) => release(entry, ['values', i, 'since'], v.since));
    for (const status of ['deprecated', 'ignored', 'removed'] as const) {
      const change = p[status];
      if (!change) continue;
      release(entry, [status, 'since'], change.since);
      change.replacement.forEach((r, i) => parameter(entry, [status, 'replacement', i], r));
      if (change.replacement.length === 0 && !change.note) {
        at(entry, [status, 'replacement'], `${status}.replacement`, 'name the replacement parameter(s), or explain in "note" why there is none');
      }
    }
    p.related.forEach((r, i) => {
      parameter(entry, ['related', i], r);
      if (r === p.name) at(entry, ['related', i], `related.${i}`, 'a parameter cannot be related to itself');
    });
    if (p.twin) {
      parameter(entry, ['twin'], p.twin);
      const twin = parameters.get(p.twin);
      if (twin && twin.twin !== p.name) at(entry, ['twin'], 'twin', `"${p.twin}" does not name "${p.name}" as its twin`);
      // SMTP and LMTP twins share one client implementation, so they arrive together; the one exception is
      // Postfix 2.2, whose TLS support was SMTP-only (the LMTP client gained TLS in 2.3).
      const lmtp = p.role === 'lmtp' ? p : twin;
      const smtp = p.role === 'lmtp' ? twin : p;
      const tlsBeforeLmtp = smtp?.since === '2.2' && lmtp?.since === '2.3';
      if (twin && twin.since !== p.since && !tlsBeforeLmtp) at(entry, ['since'], 'since', `"${p.since}" differs from its twin ${p.twin} ("${twin.since}")`);
      // One client reads both, so both take the same values: a difference is a mistake in one of the files.
      if (twin && twin.type !== p.type) at(entry, ['type'], 'type', `"${p.type}" differs from its twin ${p.twin} ("${twin.type}"); both are read by the same client and take the same values`);
      if (twin) {
        const mine = new Set(p.values?.map((v) => v.value));
        const theirs = new Set(twin.values?.map((v) => v.value));
        const onlyHere = [...mine].filter((v) => !theirs.has(v));
        const onlyThere = [...theirs].filter((v) => !mine.has(v));
        if (onlyHere.length > 0 || onlyThere.length > 0) {
          const parts = [onlyHere.length > 0 && `only here: ${onlyHere.join(', ')}`, onlyThere.length > 0 && `only in ${p.twin}: ${onlyThere.join(', ')}`].filter(Boolean);
          at(entry, [p.values ? 'values' : 'type'], 'values', `the allowed values differ from its twin ${p.twin} (${parts.join('; ')})`);
        }
      }
    }
  }

  const names = content.nonTlsParameters;
  if (names) {
    const listed = new Set(names.value.names);
    names.value.names.forEach((n, i) => {
      if (parameters.has(n)) at(names, ['names', i], `names.${i}`, `"${n}" has its own file in content/parameters; remove it here`);
    });
    for (const field of ['since', 'removed'] as const) {
      for (const [n, v] of Object.entries(names.value[field])) {
        release(names, [field, n], v);
        if (!listed.has(n)) at(names, [field, n], `${field}.${n}`, `"${n}" is not in names`);
      }
    }
  }

  for (const entry of content.protocols) release(entry, ['postfix_since'], entry.value.postfix_since);
  for (const entry of content.securityLevels) release(entry, ['since'], entry.value.since);
  for (const entry of content.cipherGrades) entry.value.changes.forEach((c, i) => release(entry, ['changes', i, 'since'], c.since));

  for (const entry of content.logPatterns) {
    entry.value.parameters.forEach((name, i) => parameter(entry, ['parameters', i], name));
    const re = new RegExp(entry.value.match);
    entry.value.examples.forEach((line, i) => {
      if (!re.test(line)) at(entry, ['examples', i], `examples.${i}`, 'this example line does not match "match"');
    });
  }

  for (const entry of content.recipes) {
    release(entry, ['postfix', 'from'], entry.value.postfix.from);
    release(entry, ['postfix', 'to'], entry.value.postfix.to);
    const { postfix, proof } = entry.value;
    // Proofs run on the matrix: the newest patch release of each line, and the distribution's package.
    const built = proof?.releases.filter((r) => !r.endsWith('-debian')) ?? [];
    built.forEach((r, i) => {
      const line = releases.get(lineOf(r));
      if (line && line.latest !== r) at(entry, ['proof', 'releases', i], `proof.releases.${i}`, `the release matrix builds ${line.latest}, not ${r}`);
    });
    if (proof) {
      const lines = content.releases.map((r) => r.value).filter((r) => compareVersions(r.version, postfix.from) >= 0 && (!postfix.to || compareVersions(r.version, postfix.to) <= 0));
      const matrixLines = lines.filter((r) => compareVersions(r.version, MATRIX_OLDEST) >= 0);
      const range = `${postfix.from}${postfix.to ? `-${postfix.to}` : ' and later'}`;
      for (const [end, which] of [[matrixLines[0], 'oldest'], [matrixLines.at(-1), 'newest']] as const) {
        if (end && !built.includes(end.latest)) at(entry, ['proof', 'releases'], 'proof.releases', `must include ${end.latest}, the ${which} release of the recipe's range (${range}) that the matrix builds`);
      }
    }
    entry.value.parameters.forEach((name, i) => parameter(entry, ['parameters', i], name));
  }
  return problems;
}
