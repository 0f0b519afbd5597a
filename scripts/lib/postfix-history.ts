// Reads the release history of Postfix's src/global/mail_params.h (postfix-history.tar.xz, see
// ../shared/postfix-src/README.md) and works out each parameter's default the way `postconf -d` prints it.
// This is a test oracle for our parameter data: it needs no build, covers all 402 releases, and is checked
// against real `postconf -d` output. It is a small C preprocessor rather than regexes because the defaults
// depend on #if branches (USE_TLS, OpenSSL version), #ifndef guards and macro concatenation.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareVersions } from '../../src/lib/versions.ts';

export type HistoryParameterType = 'bool' | 'int' | 'long' | 'string' | 'unknown';

export interface HistoryParameter {
  /** The parameter name, e.g. "smtpd_tls_security_level". */
  name: string;
  /**
   * The default as `postconf -d` prints it (booleans yes/no, numbers in decimal, whitespace runs as one space);
   * undefined when it is computed at run time or cannot be worked out from the header.
   */
  default: string | undefined;
  /** From the `extern <type> var_x;` declaration; 'unknown' when there is none. */
  type: HistoryParameterType;
  /** The VAR_ macro that names the parameter, e.g. "VAR_SMTPD_TLS_LEVEL". */
  varMacro: string;
  /** The DEF_ macro the default came from; absent when there is none (e.g. myhostname, computed at run time). */
  defMacro?: string;
}

/**
 * The macros a Linux build with the README's recipe sees before mail_params.h: the -D flags of
 * CCARGS, the few sys_defs.h (LINUX2) settings that mail_params.h tests or expands, and the OpenSSL 3.0
 * headers (Debian 12, which the matrix builds link) that decide the curve and group defaults.
 * Values are C replacement text; a key "NAME(a,b)" defines a function-like macro.
 */
export const TLS_BUILD_DEFINES: Readonly<Record<string, string>> = {
  // CCARGS
  USE_TLS: '1',
  HAS_DB: '1',
  HAS_LMDB: '1',
  USE_SASL_AUTH: '1',
  USE_CYRUS_SASL: '1',
  // makedefs / sys_defs.h for Linux
  LINUX: '1',
  LINUX2: '1',
  HAS_NIS: '1',
  HAS_IPV6: '1',
  HAS_DEV_URANDOM: '1', // what 2.2-2.5 test instead of the next one
  PREFERRED_RAND_SOURCE: '"dev:/dev/urandom"',
  DEF_MAILBOX_LOCK: '"fcntl, dotlock"',
  // OpenSSL 3.0: opensslv.h and obj_mac.h
  OPENSSL_VERSION_NUMBER: '0x30000000L',
  OPENSSL_VERSION_MAJOR: '3',
  OPENSSL_VERSION_MINOR: '0',
  'OPENSSL_VERSION_PREREQ(maj,min)':
    '((OPENSSL_VERSION_MAJOR << 16) + OPENSSL_VERSION_MINOR >= ((maj) << 16) + (min))',
  SN_X25519: '"X25519"',
  NID_X25519: '1034',
  SN_X448: '"X448"',
  NID_X448: '1035',
  SN_X9_62_prime256v1: '"prime256v1"',
  NID_X9_62_prime256v1: '415',
  SN_secp384r1: '"secp384r1"',
  NID_secp384r1: '715',
  SN_secp521r1: '"secp521r1"',
  NID_secp521r1: '716',
  SN_ffdhe2048: '"ffdhe2048"',
  NID_ffdhe2048: '1126',
  SN_ffdhe3072: '"ffdhe3072"',
  NID_ffdhe3072: '1127',
  // glibc paths.h
  _PATH_MAILDIR: '"/var/mail"',
  // Other Postfix headers that the programs include next to mail_params.h (mail_proto.h, mail_conf.h,
  // mail_addr.h, mail_version.h, server_acl.h); some DEF_ values are spelled with them.
  CONFIG_BOOL_NO: '"no"',
  CONFIG_BOOL_YES: '"yes"',
  MAIL_ADDR_MAIL_DAEMON: '"MAILER-DAEMON"',
  VAR_MAIL_VERSION: '"mail_version"',
  SERVER_ACL_NAME_WL_MYNETWORKS: '"permit_mynetworks"',
  MAIL_SRC_NAME_SENDMAIL: '"sendmail"',
  MAIL_SRC_NAME_VERIFY: '"verify"',
  ...Object.fromEntries(
    [
      'bounce', 'cleanup', 'defer', 'dnsblog', 'error', 'flush', 'local', 'pickup', 'postlog', 'proxymap',
      'proxywrite', 'relay', 'rewrite', 'showq', 'smtp', 'tlsmgr', 'tlsproxy', 'trace', 'verify', 'virtual',
    ].map((service) => [`MAIL_SERVICE_${service.toUpperCase()}`, `"${service}"`]),
  ),
  MAIL_SERVICE_QUEUE: '"qmgr"',
};

export interface ParseOptions {
  /** Predefined macros, instead of TLS_BUILD_DEFINES (spread that to change a few, e.g. another OpenSSL). */
  defines?: Readonly<Record<string, string>>;
  /** Told about every parameter whose default stays undefined, and why (for investigating the oracle). */
  onUnresolved?: (param: HistoryParameter, reason: string) => void;
}

// ---------------------------------------------------------------------------------------------------------
// Tokens

type TokenType = 'id' | 'num' | 'str' | 'chr' | 'punct';
interface Token {
  t: TokenType;
  v: string;
}

// One C token per match, in the order C needs them: string and char literals (an L/u/U/u8 prefix is dropped,
// no parameter uses one), identifiers, pp-numbers, then punctuators longest first so "<<" wins over "<".
const TOKEN_RE =
  /\s+|(?:L|u8|u|U)?("(?:[^"\\\n]|\\.)*"?)|(?:L|u8|u|U)?('(?:[^'\\\n]|\\.)*'?)|([A-Za-z_]\w*)|(\.?\d(?:[eEpP][+-]|[\w.])*)|(<<=|>>=|\.\.\.|##|<<|>>|<=|>=|==|!=|&&|\|\||->|\+\+|--|[^\s])/y;

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  TOKEN_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN_RE.lastIndex < s.length && (m = TOKEN_RE.exec(s))) {
    if (m[1] !== undefined) out.push({ t: 'str', v: m[1] });
    else if (m[2] !== undefined) out.push({ t: 'chr', v: m[2] });
    else if (m[3] !== undefined) out.push({ t: 'id', v: m[3] });
    else if (m[4] !== undefined) out.push({ t: 'num', v: m[4] });
    else if (m[5] !== undefined) out.push({ t: 'punct', v: m[5] });
  }
  return out;
}

// A comment, or a literal to step over so that "/*" or "//" inside it stays text. An unterminated literal ends
// at the line end and an unterminated comment at the end of input, as a lenient compiler would have it.
const COMMENT_OR_LITERAL_RE = /"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|\/\*[\s\S]*?(?:\*\/|$)|\/\/[^\n]*/g;

/** C translation phases 2 and 3: join backslash-continued lines, replace each comment by one space. */
function spliceAndStripComments(text: string): string {
  return text.replace(/\\\r?\n/g, '').replace(COMMENT_OR_LITERAL_RE, (m) => (m[0] === '/' ? ' ' : m));
}

/** Decodes one C string literal token (with its quotes). */
function decodeStringLiteral(lit: string): string {
  const body = lit.endsWith(lit[0]!) && lit.length >= 2 ? lit.slice(1, -1) : lit.slice(1);
  if (!body.includes('\\')) return body;
  return body.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16) & 0xff);
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8) & 0xff);
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b' };
    return simple[e] ?? e; // \" \\ \' \? and unknown escapes stand for themselves
  });
}

// ---------------------------------------------------------------------------------------------------------
// Macros

interface Macro {
  params?: string[]; // present for function-like macros
  text: string; // the replacement text, tokenized on first use: most of the ~4000 macros are never expanded
  tokens?: Token[];
}

const bodyOf = (m: Macro): Token[] => (m.tokens ??= tokenize(m.text));

type MacroTable = Map<string, Macro>;

/** Parses the text after "#define": NAME body, or NAME(params) body (no space before the parenthesis). */
function parseDefine(rest: string): [string, Macro] | undefined {
  const m = /^\s*([A-Za-z_]\w*)(\([^)]*\))?/.exec(rest);
  if (!m) return undefined;
  const text = rest.slice(m[0].length);
  if (m[2] === undefined) return [m[1]!, { text }];
  const params = m[2]
    .slice(1, -1)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return [m[1]!, { params, text }];
}

/** Collects the arguments of a function-like macro call whose "(" is at tokens[open]; returns them and the index after ")". */
function collectArgs(tokens: Token[], open: number): [Token[][], number] | undefined {
  const args: Token[][] = [[]];
  let depth = 0;
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.t === 'punct' && t.v === '(') depth++;
    else if (t.t === 'punct' && t.v === ')') {
      if (depth === 0) return [args.length === 1 && args[0]!.length === 0 ? [] : args, i + 1];
      depth--;
    } else if (t.t === 'punct' && t.v === ',' && depth === 0) {
      args.push([]);
      continue;
    }
    args[args.length - 1]!.push(t);
  }
  return undefined; // unbalanced: leave the call alone
}

const MAX_EXPANSION_DEPTH = 200;

/**
 * Expands macros in a token list. `disabled` holds the macros being expanded, which C never re-expands inside
 * themselves (so no loops); it is added to and restored around each nested expansion rather than copied.
 */
function expand(tokens: Token[], macros: MacroTable, disabled: Set<string> = new Set(), depth = 0): Token[] {
  if (depth > MAX_EXPANSION_DEPTH) return tokens;
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const m = tok.t === 'id' && !disabled.has(tok.v) ? macros.get(tok.v) : undefined;
    if (!m) {
      out.push(tok);
      continue;
    }
    if (m.params === undefined) {
      disabled.add(tok.v);
      out.push(...expand(bodyOf(m), macros, disabled, depth + 1));
      disabled.delete(tok.v);
      continue;
    }
    const next = tokens[i + 1];
    const call = next?.t === 'punct' && next.v === '(' ? collectArgs(tokens, i + 1) : undefined;
    if (!call) {
      out.push(tok); // a function-like macro name without arguments is just a name
      continue;
    }
    const [args, after] = call;
    const expandedArgs = args.map((a) => expand(a, macros, disabled, depth + 1));
    const body: Token[] = [];
    const replacement = bodyOf(m);
    for (let k = 0; k < replacement.length; k++) {
      const b = replacement[k]!;
      // #param stringifies the unexpanded argument.
      const operand = replacement[k + 1];
      if (b.t === 'punct' && b.v === '#' && operand?.t === 'id' && m.params.includes(operand.v)) {
        const arg = args[m.params.indexOf(operand.v)] ?? [];
        body.push({ t: 'str', v: JSON.stringify(arg.map((a) => a.v).join(' ')) });
        k++;
        continue;
      }
      const p = b.t === 'id' ? m.params.indexOf(b.v) : -1;
      if (p >= 0) body.push(...(expandedArgs[p] ?? []));
      else body.push(b);
    }
    disabled.add(tok.v);
    out.push(...expand(body, macros, disabled, depth + 1));
    disabled.delete(tok.v);
    i = after - 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Constant expressions (for #if and numeric defaults), in BigInt so 0x...UL values and shifts stay exact.

class NotConstant extends Error {}

function parseIntegerLiteral(v: string): bigint {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/.exec(v);
  if (!m) throw new NotConstant(`not an integer literal: ${v}`);
  const digits = m[1]!;
  if (/^0[0-7]+$/.test(digits)) return BigInt('0o' + digits.slice(1));
  return BigInt(digits);
}

const CAST_WORDS = new Set(['int', 'long', 'unsigned', 'signed', 'short', 'char', 'bool', 'size_t', 'ssize_t', 'off_t', 'const']);

/** Evaluates a C integer constant expression; identifiers throw NotConstant unless `identifiersAreZero` (#if). */
function evaluate(tokens: Token[], identifiersAreZero: boolean): bigint {
  let pos = 0;
  const peek = () => tokens[pos];
  const isP = (v: string) => tokens[pos]?.t === 'punct' && tokens[pos]!.v === v;
  const expect = (v: string) => {
    if (!isP(v)) throw new NotConstant(`expected ${v}`);
    pos++;
  };
  const truth = (x: bigint) => (x !== 0n ? 1n : 0n);

  const primary = (): bigint => {
    const t = peek();
    if (!t) throw new NotConstant('unexpected end');
    if (t.t === 'num') {
      pos++;
      return parseIntegerLiteral(t.v);
    }
    if (t.t === 'chr') {
      pos++;
      const s = decodeStringLiteral(t.v);
      return BigInt(s.length ? s.charCodeAt(0) : 0);
    }
    if (t.t === 'id') {
      pos++;
      if (identifiersAreZero) return 0n; // C: identifiers left after expansion are 0 in #if
      throw new NotConstant(`identifier ${t.v}`);
    }
    if (isP('(')) {
      // A cast such as (long) is a no-op for the values mail_params.h uses.
      let k = pos + 1;
      while (tokens[k]?.t === 'id' && CAST_WORDS.has(tokens[k]!.v)) k++;
      if (k > pos + 1 && tokens[k]?.t === 'punct' && tokens[k]!.v === ')') {
        pos = k + 1;
        return unary();
      }
      pos++;
      const v = ternary();
      expect(')');
      return v;
    }
    throw new NotConstant(`unexpected ${t.v}`);
  };
  const unary = (): bigint => {
    if (isP('!')) return pos++, 1n - truth(unary());
    if (isP('~')) return pos++, ~unary();
    if (isP('-')) return pos++, -unary();
    if (isP('+')) return pos++, unary();
    return primary();
  };
  // Binary operators by precedence, loosest last.
  const levels: [string[], (a: bigint, b: bigint, op: string) => bigint][] = [
    [
      ['*', '/', '%'],
      (a, b, op) => {
        if (op === '*') return a * b;
        if (b === 0n) throw new NotConstant('division by zero');
        return op === '/' ? a / b : a % b; // BigInt truncates toward zero, like C
      },
    ],
    [['+', '-'], (a, b, op) => (op === '+' ? a + b : a - b)],
    [['<<', '>>'], (a, b, op) => (op === '<<' ? a << b : a >> b)],
    [['<', '>', '<=', '>='], (a, b, op) => BigInt(op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b)],
    [['==', '!='], (a, b, op) => BigInt(op === '==' ? a === b : a !== b)],
    [['&'], (a, b) => a & b],
    [['^'], (a, b) => a ^ b],
    [['|'], (a, b) => a | b],
  ];
  const binary = (level: number): bigint => {
    if (level < 0) return unary();
    const [ops, apply] = levels[level]!;
    let a = binary(level - 1);
    while (peek()?.t === 'punct' && ops.includes(peek()!.v)) {
      const op = tokens[pos++]!.v;
      a = apply(a, binary(level - 1), op);
    }
    return a;
  };
  const logicalAnd = (): bigint => {
    let a = binary(levels.length - 1);
    while (isP('&&')) {
      pos++;
      const b = binary(levels.length - 1);
      a = truth(a) & truth(b);
    }
    return a;
  };
  const logicalOr = (): bigint => {
    let a = logicalAnd();
    while (isP('||')) {
      pos++;
      const b = logicalAnd();
      a = truth(a) | truth(b);
    }
    return a;
  };
  const ternary = (): bigint => {
    const c = logicalOr();
    if (!isP('?')) return c;
    pos++;
    const a = ternary();
    expect(':');
    const b = ternary();
    return c !== 0n ? a : b;
  };
  const v = ternary();
  if (pos !== tokens.length) throw new NotConstant(`trailing ${tokens[pos]!.v}`);
  return v;
}

/** Replaces `defined X` and `defined(X)` before expansion, as the preprocessor does. */
function resolveDefined(tokens: Token[], macros: MacroTable): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.t !== 'id' || t.v !== 'defined') {
      out.push(t);
      continue;
    }
    let name: string | undefined;
    if (tokens[i + 1]?.v === '(' && tokens[i + 2]?.t === 'id' && tokens[i + 3]?.v === ')') {
      name = tokens[i + 2]!.v;
      i += 3;
    } else if (tokens[i + 1]?.t === 'id') {
      name = tokens[i + 1]!.v;
      i += 1;
    }
    out.push({ t: 'num', v: name !== undefined && macros.has(name) ? '1' : '0' });
  }
  return out;
}

function conditionHolds(expr: string, macros: MacroTable): boolean {
  try {
    return evaluate(expand(resolveDefined(tokenize(expr), macros), macros), true) !== 0n;
  } catch {
    return false; // a malformed #if is false rather than fatal: never throw on odd input
  }
}

// ---------------------------------------------------------------------------------------------------------
// mail_params.h

type ValueResult = { kind: 'string'; value: string } | { kind: 'number'; value: bigint } | { kind: 'none'; why: string };

/** True when the first "(" matches the last ")", as in ("a" "b") but not in (a)+(b). */
function enclosedInParens(toks: Token[]): boolean {
  if (toks.length < 2 || toks[0]!.v !== '(' || toks[toks.length - 1]!.v !== ')') return false;
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.t !== 'punct') continue;
    if (t.v === '(') depth++;
    else if (t.v === ')' && --depth === 0) return i === toks.length - 1;
  }
  return false;
}

/** What an expanded DEF_ body is: concatenated string literals, an integer expression, or neither. */
function valueOf(tokens: Token[]): ValueResult {
  // ("a" "b") is still a string.
  let toks = tokens;
  while (enclosedInParens(toks)) toks = toks.slice(1, -1);
  if (toks.length > 0 && toks.every((t) => t.t === 'str')) {
    return { kind: 'string', value: toks.map((t) => decodeStringLiteral(t.v)).join('') };
  }
  if (toks.length === 0) return { kind: 'none', why: 'empty definition' };
  // Pointer arithmetic on a literal: 2.8.0-2.8.1 spell tls_disable_workarounds ((A B)+1), dropping A B's first character.
  const plus = toks.length >= 3 && toks[toks.length - 2]!.v === '+' && toks[toks.length - 1]!.t === 'num' ? toks.slice(0, -2) : undefined;
  if (plus) {
    const inner = valueOf(plus);
    if (inner.kind === 'string') {
      try {
        return { kind: 'string', value: inner.value.slice(Number(parseIntegerLiteral(toks[toks.length - 1]!.v))) };
      } catch {
        // not an integer offset: fall through
      }
    }
  }
  try {
    return { kind: 'number', value: evaluate(toks, false) };
  } catch (e) {
    const leftover = toks.filter((t) => t.t === 'id').map((t) => t.v);
    const why = leftover.length ? `not constant: ${[...new Set(leftover)].join(', ')}` : (e as Error).message;
    return { kind: 'none', why };
  }
}

/**
 * Declarations that disagree with the configuration table the variable is really in (postconf prints the
 * table's type). Postfix 3.11 corrected these in mail_params.h; earlier releases declare the booleans `extern int`
 * and var_dont_remove `extern bool`, so without this 3.10 and older would print 1/0 for those booleans.
 */
const DECLARATION_FIXES: Readonly<Record<string, HistoryParameterType>> = {
  ...Object.fromEntries(
    [
      'var_auto_8bit_enc_hdr',
      'var_cleanup_mask_stray_cr_lf',
      'var_cyrus_sasl_authzid',
      'var_dsn_delay_cleared',
      'var_idna2003_compat',
      'var_mailtool_compat',
      'var_smtp_quote_821_env',
      'var_smtp_tlsrpt_skip_reused_hs',
      'var_smtpd_delay_reject',
      'var_smtpd_hide_client_session',
      'var_smtputf8_enable',
      'var_strict_smtputf8',
      'var_tls_required_enable',
    ].map((v) => [v, 'bool']),
  ),
  var_dont_remove: 'int', // declared bool before 3.11, but an int table entry (postconf prints 0)
};

/** postconf prints a value's words separated by one space: " X25519 X448 " comes out as "X25519 X448". */
const asPostconfPrints = (value: string): string => value.split(/[ \t\r\n]+/).filter((w) => w !== '').join(' ');

const EXTERN_RE = /^\s*extern\s+(?:const\s+)?(bool|int|long|char\s*\*)\s*(var_\w+)/;

function externType(word: string): HistoryParameterType {
  if (word === 'bool') return 'bool';
  if (word === 'int') return 'int';
  if (word === 'long') return 'long';
  return 'string';
}

interface VarSite {
  varMacro: string;
  /** How many extern declarations came before this VAR_ define: externs[externIndex] is the next one. */
  externIndex: number;
}

/**
 * Parses one mail_params.h as a TLS build on Linux with OpenSSL 3.0 would preprocess it, and returns its
 * parameters by name with their defaults as `postconf -d` prints them.
 */
export function parseMailParams(text: string, options: ParseOptions = {}): Map<string, HistoryParameter> {
  const macros: MacroTable = new Map();
  for (const [key, body] of Object.entries(options.defines ?? TLS_BUILD_DEFINES)) {
    const parsed = parseDefine(`${key} ${body}`);
    if (parsed) macros.set(parsed[0], parsed[1]);
  }

  const sites: VarSite[] = [];
  const externs: { type: HistoryParameterType; varName: string }[] = [];
  // Conditional stack: `active` = this branch is taken; `taken` = some branch of this #if was taken.
  const stack: { active: boolean; taken: boolean; parentActive: boolean }[] = [];
  const active = () => stack.length === 0 || stack[stack.length - 1]!.active;

  for (const line of spliceAndStripComments(text).split('\n')) {
    const d = line.includes('#') ? /^\s*#\s*(\w*)(.*)$/.exec(line) : null;
    if (!d) {
      if (!active() || !line.includes('extern')) continue;
      const e = EXTERN_RE.exec(line);
      if (e) externs.push({ type: externType(e[1]!.replace(/\s+/g, '')), varName: e[2]! });
      continue;
    }
    const [, directive, rest] = d as unknown as [string, string, string];
    switch (directive) {
      case 'if':
      case 'ifdef':
      case 'ifndef': {
        const parentActive = active();
        let cond = false;
        if (parentActive) {
          const name = /^\s*([A-Za-z_]\w*)/.exec(rest)?.[1];
          if (directive === 'if') cond = conditionHolds(rest, macros);
          else cond = (name !== undefined && macros.has(name)) === (directive === 'ifdef');
        }
        stack.push({ active: parentActive && cond, taken: cond, parentActive });
        break;
      }
      case 'elif': {
        const top = stack[stack.length - 1];
        if (!top) break; // stray #elif: ignore
        const cond = top.parentActive && !top.taken && conditionHolds(rest, macros);
        top.active = cond;
        top.taken ||= cond;
        break;
      }
      case 'else': {
        const top = stack[stack.length - 1];
        if (!top) break;
        top.active = top.parentActive && !top.taken;
        top.taken = true;
        break;
      }
      case 'endif':
        stack.pop(); // a stray #endif pops nothing
        break;
      case 'define': {
        if (!active()) break;
        const parsed = parseDefine(rest);
        if (!parsed) break;
        const [name, macro] = parsed;
        macros.set(name, macro);
        if (name.startsWith('VAR_') && macro.params === undefined) {
          sites.push({ varMacro: name, externIndex: externs.length });
        }
        break;
      }
      case 'undef': {
        if (!active()) break;
        const name = /^\s*([A-Za-z_]\w*)/.exec(rest)?.[1];
        if (name) macros.delete(name);
        break;
      }
      default:
        break; // #include, #error (only in branches a supported build never takes), #pragma, #line
    }
  }

  // Resolve after the whole file is read, as the C code that uses the macros would see them. The extern
  // that belongs to a parameter is var_<suffix> when that exists; for VAR_LMTP_X, var_smtp_x (smtp(8) binds
  // lmtp_* parameters to the smtp variables); else the next one after the VAR_ define unless a later VAR_
  // owns that one by name (VAR_DEBUG_COMMAND has none; the next, var_dont_remove, is VAR_DONT_REMOVE's).
  const externByVar = new Map(externs.map((e) => [e.varName, DECLARATION_FIXES[e.varName] ?? e.type]));
  const ownerSite = new Map<string, number>();
  sites.forEach((s, i) => {
    const v = `var_${s.varMacro.slice(4).toLowerCase()}`;
    if (externByVar.has(v) && !ownerSite.has(v)) ownerSite.set(v, i);
  });
  const result = new Map<string, HistoryParameter>();
  const unresolvedWhy = new Map<string, string>();
  for (const [index, site] of sites.entries()) {
    const varMacro = macros.get(site.varMacro);
    if (!varMacro) continue; // #undef'd later
    const nameValue = valueOf(expand(bodyOf(varMacro), macros, new Set([site.varMacro])));
    if (nameValue.kind !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(nameValue.value)) continue; // VAR_ helpers that name no parameter
    const suffix = site.varMacro.slice('VAR_'.length);
    const defMacro = `DEF_${suffix}`;
    const next = externs[site.externIndex];
    const nextIsOurs = next !== undefined && (ownerSite.get(next.varName) ?? -1) <= index;
    const type =
      externByVar.get(`var_${suffix.toLowerCase()}`) ??
      (suffix.startsWith('LMTP_') ? externByVar.get(`var_smtp_${suffix.slice(5).toLowerCase()}`) : undefined) ??
      (nextIsOurs ? externByVar.get(next.varName)! : 'unknown');
    const param: HistoryParameter = { name: nameValue.value, default: undefined, type, varMacro: site.varMacro };
    const def = macros.get(defMacro);
    let why = `no ${defMacro}`;
    if (def && def.params === undefined) {
      param.defMacro = defMacro;
      const v = valueOf(expand(bodyOf(def), macros, new Set([defMacro])));
      if (v.kind === 'string') param.default = asPostconfPrints(v.value);
      else if (v.kind === 'number') param.default = type === 'bool' ? (v.value !== 0n ? 'yes' : 'no') : v.value.toString();
      else why = `${defMacro}: ${v.why}`;
    }
    // Two VAR_ macros may name one parameter: the first with a default wins (VAR_LMTP_FALLBACK was also
    // "smtp_fallback_relay" until 3.0, without a DEF_; VAR_LMTP_HELO_TMOUT and VAR_LMTP_LHLO_TMOUT agree).
    const seen = result.get(param.name);
    if (seen && (seen.default !== undefined || param.default === undefined)) continue;
    result.set(param.name, param);
    unresolvedWhy.set(param.name, why);
  }
  if (options.onUnresolved) {
    for (const p of result.values()) if (p.default === undefined) options.onUnresolved(p, unresolvedWhy.get(p.name)!);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// The archive

const HISTORY_DIR = 'postfix-history/mail_params.h';

/** Sorts Postfix release numbers numerically ("3.10.0" after "3.9.9"), returning a new array. */
export function sortVersions(versions: Iterable<string>): string[] {
  return [...versions].sort(compareVersions);
}

function runTar(args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const res = spawnSync('tar', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ok: res.status === 0, stdout: res.stdout ?? '', stderr: res.stderr || res.error?.message || '' };
}

/**
 * Every release's parameters, keyed by release number in numeric order. Extracts the archive once into a
 * temporary directory (removed afterwards) and parses each mail_params.h. Only about a quarter of the 402
 * files differ from the previous release's, so each distinct text is parsed once and copied.
 */
export function readHistory(archive: string, options: ParseOptions = {}): Map<string, Map<string, HistoryParameter>> {
  const dir = mkdtempSync(join(tmpdir(), 'postfix-history-'));
  try {
    const res = runTar(['-xJf', archive, '-C', dir, HISTORY_DIR]);
    if (!res.ok) throw new Error(`tar could not extract ${HISTORY_DIR} from ${archive}: ${res.stderr.trim()}`);
    const files = readdirSync(join(dir, HISTORY_DIR)).filter((f) => /^\d+\.\d+\.\d+\.h$/.test(f));
    const parsed = new Map<string, { params: Map<string, HistoryParameter>; unresolved: [HistoryParameter, string][] }>();
    const out = new Map<string, Map<string, HistoryParameter>>();
    for (const version of sortVersions(files.map((f) => f.slice(0, -2)))) {
      const text = readFileSync(join(dir, HISTORY_DIR, `${version}.h`), 'latin1');
      let entry = parsed.get(text);
      if (!entry) {
        const unresolved: [HistoryParameter, string][] = [];
        const params = parseMailParams(text, { ...options, onUnresolved: (p, why) => unresolved.push([p, why]) });
        parsed.set(text, (entry = { params, unresolved }));
      }
      // Copies, so that a caller changing one release's data does not change another's.
      const params = new Map([...entry.params].map(([name, p]) => [name, { ...p }]));
      for (const [p, why] of entry.unresolved) options.onUnresolved?.(params.get(p.name) ?? p, why);
      out.set(version, params);
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The postconf(5) source of a release, which the archive has only for the first and last release of each line. */
export function readPostconfProto(archive: string, version: string): string | undefined {
  if (!/^\d+\.\d+\.\d+$/.test(version)) return undefined;
  const res = runTar(['-xJOf', archive, `postfix-history/postconf.proto/${version}.proto`]);
  return res.ok ? res.stdout : undefined;
}
