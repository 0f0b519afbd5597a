// The mail_params.h reader that serves as a test oracle: the preprocessor on small hand-written headers, then
// a few known facts from the real release history.
import { describe, expect, it } from 'vitest';
import { historyArchivePath } from '../../scripts/lib/history-oracle.ts';
import { parseMailParams, readHistory, readPostconfProto, sortVersions, TLS_BUILD_DEFINES } from '../../scripts/lib/postfix-history.ts';

const defaults = (text: string, defines?: Record<string, string>) =>
  Object.fromEntries([...parseMailParams(text, defines ? { defines } : {})].map(([name, p]) => [name, p.default]));

describe('parseMailParams', () => {
  it('concatenates adjacent literals and expands macro names inside them', () => {
    const params = parseMailParams(`
#define VAR_SMTP_TLS_LEVEL	"smtp_tls_security_level"
#define OBS_TLSP_CLNT_LEVEL	"tlsproxy_client_level"
#define VAR_TLSP_CLNT_LEVEL	"tlsproxy_client_security_level"
#define DEF_TLSP_CLNT_LEVEL	"\${" OBS_TLSP_CLNT_LEVEL "?{$" OBS_TLSP_CLNT_LEVEL "}:{$" \\
				VAR_SMTP_TLS_LEVEL "}}"
extern char *var_tlsp_clnt_level;
`);
    expect(params.get('tlsproxy_client_security_level')).toEqual({
      name: 'tlsproxy_client_security_level',
      default: '${tlsproxy_client_level?{$tlsproxy_client_level}:{$smtp_tls_security_level}}',
      type: 'string',
      varMacro: 'VAR_TLSP_CLNT_LEVEL',
      defMacro: 'DEF_TLSP_CLNT_LEVEL',
    });
    // No DEF_ macro: the default is not known statically, and that is not an error. Nor is a type: the
    // next extern, var_tlsp_clnt_level, belongs to VAR_TLSP_CLNT_LEVEL.
    expect(params.get('smtp_tls_security_level')).toMatchObject({ default: undefined, type: 'unknown' });
    expect(params.get('smtp_tls_security_level')).not.toHaveProperty('defMacro');
  });

  it('takes the branches a TLS build with OpenSSL 3.0 takes, through nesting, #elif and #else', () => {
    const text = `
#define VAR_A "a"
#ifdef USE_TLS
# if OPENSSL_VERSION_NUMBER < 0x1010100fUL
#  define DEF_A "old-openssl"
# elif defined(NO_SUCH_MACRO) || !defined(LINUX2)
#  define DEF_A "not-linux"
# else
#  if 0
#   define DEF_A "never"
#  else
#   define DEF_A "tls-openssl3"
#  endif
# endif
#else
# define DEF_A "no-tls"
#endif
#define VAR_B "b"
#if OPENSSL_VERSION_PREREQ(3,5)
#define DEF_B "openssl-3.5"
#elif (OPENSSL_VERSION_NUMBER >= 0x30000000L) && defined USE_SASL_AUTH
#define DEF_B "openssl-3.0"
#endif
#define VAR_C "c"
#if UNKNOWN_IDENTIFIER
#define DEF_C "unknown is true"
#elif UNKNOWN_IDENTIFIER == 0
#define DEF_C "unknown is 0"
#endif
`;
    expect(defaults(text)).toEqual({ a: 'tls-openssl3', b: 'openssl-3.0', c: 'unknown is 0' });
    expect(defaults(text, {})).toEqual({ a: 'no-tls', b: undefined, c: 'unknown is 0' });
    expect(defaults(text, { ...TLS_BUILD_DEFINES, OPENSSL_VERSION_NUMBER: '0x1000200fL' })).toMatchObject({ a: 'old-openssl' });
  });

  it('lets #ifndef guards see what was defined before, in the file or by the build, and honours #undef', () => {
    const text = `
#define DEF_SERVER_SASL_TYPE "dovecot"
#ifndef DEF_SERVER_SASL_TYPE
#define DEF_SERVER_SASL_TYPE "cyrus"
#endif
#define VAR_SMTPD_SASL_TYPE "smtpd_sasl_type"
#define DEF_SMTPD_SASL_TYPE DEF_SERVER_SASL_TYPE
#define VAR_CONFIG_DIR "config_directory"
#ifndef DEF_CONFIG_DIR
#define DEF_CONFIG_DIR "/etc/postfix"
#endif
#define VAR_GONE "gone_parameter"
#define DEF_GONE "x"
#undef DEF_GONE
`;
    expect(defaults(text)).toEqual({ smtpd_sasl_type: 'dovecot', config_directory: '/etc/postfix', gone_parameter: undefined });
    expect(defaults(text, { DEF_CONFIG_DIR: '"/usr/local/etc/postfix"' })).toMatchObject({ config_directory: '/usr/local/etc/postfix' });
  });

  it('prints booleans as yes/no and numbers as postconf does, and keeps time strings and $references', () => {
    const params = parseMailParams(`
#define VAR_ON "on_switch"
#define DEF_ON 1
extern bool var_on;
#define VAR_OFF "off_switch"
#define DEF_OFF (1 - 1)
extern bool var_off;
#define VAR_HOUR "seconds_per_hour"
#define DEF_HOUR (60*60)
extern int var_hour;
#define VAR_BIG "big_limit"
#define DEF_BIG (0x10 * 1024L * 1024)
extern long var_big;
#define VAR_OCTAL "octal_value"
#define DEF_OCTAL 022
extern int var_octal;
#define VAR_TIMEOUT "some_timeout"
#define DEF_TIMEOUT "3600s"
extern int var_timeout;
#define VAR_LMTP_ON "lmtp_on_switch"
#define DEF_LMTP_ON "$" VAR_ON
extern bool var_lmtp_on;
#define VAR_SMTP_X "smtp_x"
#define VAR_LMTP_X "lmtp_x"
#define DEF_SMTP_X 0
#define DEF_LMTP_X DEF_SMTP_X
extern bool var_smtp_x;
#define VAR_NO_EXTERN "no_extern"
#define DEF_NO_EXTERN 7
#define VAR_NEXT "next_one"
#define DEF_NEXT 1
extern bool var_next;
`);
    const view = Object.fromEntries([...params].map(([n, p]) => [n, [p.type, p.default]]));
    expect(view).toEqual({
      on_switch: ['bool', 'yes'],
      off_switch: ['bool', 'no'],
      seconds_per_hour: ['int', '3600'],
      big_limit: ['long', '16777216'],
      octal_value: ['int', '18'],
      some_timeout: ['int', '3600s'],
      lmtp_on_switch: ['bool', '$on_switch'],
      smtp_x: ['bool', 'no'],
      lmtp_x: ['bool', 'no'], // shares var_smtp_x, declared after both names
      no_extern: ['unknown', '7'], // the next extern is var_next, which belongs to VAR_NEXT
      next_one: ['bool', 'yes'],
    });
  });

  it('joins continuation lines, drops comments but not comment-like text in literals, and decodes escapes', () => {
    expect(
      defaults(`
/*++
/* NAME
/*	mail_params 3h
/*--*/
#define VAR_BANNER	"smtpd_banner"	/* the banner */
#define DEF_BANNER	"$myhostname " \\
			"ESMTP" // trailing comment
#define VAR_PATTERN "pattern"
#define DEF_PATTERN "/* kept */ // kept \\"quoted\\" back\\\\slash"
#define VAR_SPLIT "split_" \\
  "name"
#define DEF_SPLIT /* a comment
   spanning lines */ "joined"
#define VAR_SPACED "spaced_words"
#define DEF_SPACED "one  two\\tthree "
`),
    ).toEqual({
      smtpd_banner: '$myhostname ESMTP',
      pattern: '/* kept */ // kept "quoted" back\\slash',
      split_name: 'joined',
      spaced_words: 'one two three', // postconf prints whitespace runs as one space
    });
  });

  it('leaves defaults undefined, without throwing, when they are not constant or the input is odd', () => {
    const text = `
#define VAR_HOST "myhostname"
#define DEF_HOST get_hostname()
#define VAR_SIZE "buffer_size"
#define DEF_SIZE sizeof(struct foo)
#define VAR_NOT_A_NAME some_function()
#define VAR_SELF "self_ref"
#define DEF_SELF DEF_SELF
#define VAR_LOOP "loop_a"
#define DEF_LOOP LOOP_B
#define LOOP_B DEF_LOOP
#if (unbalanced
#define VAR_HIDDEN "hidden"
#endif
#endif
#else
#elif 1
#define VAR_UNTERMINATED "unterminated
/* an unterminated comment`;
    let result: Map<string, unknown> | undefined;
    const reasons: string[] = [];
    expect(() => {
      result = parseMailParams(text, { onUnresolved: (p, why) => reasons.push(`${p.name}: ${why}`) });
    }).not.toThrow();
    expect(Object.fromEntries([...result!].map(([n, p]) => [n, (p as { default?: string }).default]))).toEqual({
      myhostname: undefined,
      buffer_size: undefined,
      self_ref: undefined,
      loop_a: undefined,
    });
    expect(reasons).toContain('myhostname: DEF_HOST: not constant: get_hostname');
    expect(() => parseMailParams('#define\n#if\n#ifdef\n#undef\n#define (x) y\n\\')).not.toThrow();
  });

  it('handles the pointer arithmetic of 2.8.0 tls_disable_workarounds', () => {
    expect(
      defaults(`
#define TLS_BUG_TWEAK_A ""
#define TLS_BUG_TWEAK_B " CVE-2010-4180"
#define VAR_TLS_BUG_TWEAKS "tls_disable_workarounds"
#define DEF_TLS_BUG_TWEAKS ((TLS_BUG_TWEAK_A TLS_BUG_TWEAK_B)+1)
extern char *var_tls_bug_tweaks;
`),
    ).toEqual({ tls_disable_workarounds: 'CVE-2010-4180' });
  });
});

describe('sortVersions', () => {
  it('sorts release numbers numerically', () => {
    expect(sortVersions(['3.10.0', '3.9.14', '2.11.0', '3.9.2', '2.2.0'])).toEqual(['2.2.0', '2.11.0', '3.9.2', '3.9.14', '3.10.0']);
  });
});

// The archive kept with the tests (test/oracle/), so these always run.
const archive = historyArchivePath;

describe('the real release history', () => {
  it('reads all 402 releases and knows when TLS parameters appeared and changed', { timeout: 60_000 }, () => {
    const history = readHistory(archive);
    expect(history.size).toBe(402);
    const versions = [...history.keys()];
    expect(versions[0]).toBe('2.2.0');
    expect(versions.at(-1)).toBe('3.11.6');
    expect(versions).toEqual(sortVersions(versions));

    expect(history.get('2.2.0')!.has('smtpd_tls_security_level')).toBe(false);
    expect(history.get('2.3.0')!.get('smtpd_tls_security_level')).toMatchObject({ default: '', type: 'string' });
    expect(history.get('3.7.15')!.get('tlsproxy_client_security_level')?.default).toBe('${tlsproxy_client_level:$smtp_tls_security_level}');
    expect(history.get('3.7.16')!.get('tlsproxy_client_security_level')?.default).toBe(
      '${tlsproxy_client_level?{$tlsproxy_client_level}:{$smtp_tls_security_level}}',
    );
    // Checked against postconf -d of the built 3.11.6 (OpenSSL 3.0: the pre-3.5 curve list).
    const latest = history.get('3.11.6')!;
    expect(latest.get('smtp_tls_security_level')?.default).toBe('${{$compatibility_level} <level {3.11} ? {} : {may}}');
    expect(latest.get('tls_eecdh_auto_curves')?.default).toBe('X25519 X448 prime256v1 secp384r1 secp521r1');
    expect(latest.get('smtpd_tls_received_header')).toMatchObject({ type: 'bool', default: 'no' });
    expect(latest.get('smtpd_starttls_timeout')?.default).toBe('${stress?{10}:{300}}s');
  });

  it('reads postconf.proto of the first and last release of a line only', () => {
    expect(readPostconfProto(archive, '3.11.6')).toContain('smtpd_tls_security_level');
    expect(readPostconfProto(archive, '3.7.15')).toBeUndefined();
    expect(readPostconfProto(archive, '../../etc/passwd')).toBeUndefined();
  });
});
