import type { ServiceEntry } from '../parse/master-cf.ts';
import { PLACEHOLDER } from '../parse/templates.ts';

/** The Postfix program behind a master.cf service, as far as TLS is concerned. */
export type Program = 'smtpd' | 'postscreen' | 'smtp' | 'lmtp' | 'tlsproxy' | 'other';

/**
 * What a listener is for. `mx`: the public port 25 that other mail servers deliver to (RFC 3207 rules
 * apply); `submission`: port 587 with STARTTLS; `submissions`: port 465 with implicit TLS; `local`: bound
 * to a loopback address (content-filter re-injection and the like); `other`: any other port.
 */
export type Endpoint = 'mx' | 'submission' | 'submissions' | 'local' | 'other' | 'internal';

export interface Service {
  entry: ServiceEntry;
  /** True for services of the assumed stock master.cf. */
  stock: boolean;
  program: Program;
  endpoint: Endpoint;
  port?: number;
  /** How messages name the service, e.g. `service "submission" (port 587)`. */
  label: string;
}

/**
 * IANA names master.cf uses for SMTP listeners. Port numbers of well-known services are a property of
 * /etc/services, not of a Postfix release, so they live with the code.
 */
const wellKnownPorts: Record<string, number> = { smtp: 25, submission: 587, smtps: 465, submissions: 465 };

function programOf(command: string): Program {
  const base = command.slice(command.lastIndexOf('/') + 1);
  if (base === 'smtpd' || base === 'postscreen' || base === 'smtp' || base === 'lmtp' || base === 'tlsproxy') return base;
  return 'other';
}

function splitEndpoint(name: string): { host?: string; port: string } {
  const v6 = /^\[([^\]]*)\]:(.+)$/.exec(name);
  if (v6) return { host: v6[1], port: v6[2] ?? '' };
  const i = name.lastIndexOf(':');
  return i < 0 ? { port: name } : { host: name.slice(0, i), port: name.slice(i + 1) };
}

function isLoopback(host: string | undefined): boolean {
  return host !== undefined && /^(127\.|::1$|\[::1\]$|localhost$)/.test(host);
}

export function describeService(entry: ServiceEntry, stock: boolean, allEntries: readonly ServiceEntry[]): Service {
  const s = describe(entry, stock, allEntries);
  return stock ? { ...s, label: `${s.label} (from the stock master.cf)` } : s;
}

function describe(entry: ServiceEntry, stock: boolean, allEntries: readonly ServiceEntry[]): Service {
  const program = programOf(entry.command.text);
  const base = { entry, stock, program };
  const name = entry.name.raw;
  if (entry.type.text === 'inet') {
    const { host, port } = splitEndpoint(entry.name.text);
    const num = /^\d+$/.test(port) ? Number(port) : wellKnownPorts[port];
    const label = `service "${name}"${num !== undefined && String(num) !== port ? ` (port ${num})` : ''}`;
    if (entry.name.text.includes(PLACEHOLDER) && num === undefined) return { ...base, endpoint: isLoopback(host) ? 'local' : 'other', label };
    if (isLoopback(host)) return { ...base, endpoint: 'local', port: num, label };
    const endpoint: Endpoint = num === 25 ? 'mx' : num === 587 ? 'submission' : num === 465 ? 'submissions' : 'other';
    return { ...base, endpoint, port: num, label };
  }
  // postscreen hands port-25 connections to the `smtpd pass` service, so that one talks to the world.
  if (entry.type.text === 'pass' && program === 'smtpd') {
    const behindPostscreen = allEntries.some((e) => e.type.text === 'inet' && programOf(e.command.text) === 'postscreen'
      && wellKnownOrNumber(splitEndpoint(e.name.text).port) === 25 && !isLoopback(splitEndpoint(e.name.text).host));
    if (behindPostscreen) return { ...base, endpoint: 'mx', port: 25, label: `service "${name}" (behind postscreen on port 25)` };
  }
  return { ...base, endpoint: 'internal', label: `service "${name}"` };
}

function wellKnownOrNumber(port: string): number | undefined {
  return /^\d+$/.test(port) ? Number(port) : wellKnownPorts[port];
}
