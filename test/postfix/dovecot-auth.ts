// A stand-in for Dovecot's SASL auth socket and an asynchronous command runner, for the submission recipes.
import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * Serves the protocol smtpd speaks with `smtpd_sasl_type = dovecot` on a UNIX socket: it offers PLAIN and LOGIN
 * and accepts exactly one user and password. Runs in the test process, so every client command the test
 * starts must be asynchronous (a blocking spawnSync would stall the socket while smtpd waits on it).
 */
export function startFakeDovecotAuth(path: string, user: string, password: string): Promise<Server> {
  const server = createServer((sock) => {
    sock.write('VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\nSPID\t1\nCUID\t1\nCOOKIE\t0123456789abcdef0123456789abcdef\nDONE\n');
    let buf = '';
    sock.on('data', (chunk) => {
      buf += chunk.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const fields = buf.slice(0, i).split('\t');
        buf = buf.slice(i + 1);
        if (fields[0] !== 'AUTH') continue;
        const id = fields[1];
        const resp = fields.find((f) => f.startsWith('resp='));
        if (!resp) { sock.write(`FAIL\t${id}\n`); continue; }
        const [, u, p] = Buffer.from(resp.slice(5), 'base64').toString().split('\0');
        sock.write(u === user && p === password ? `OK\t${id}\tuser=${u}\n` : `FAIL\t${id}\tuser=${u}\n`);
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(path, () => { chmodSync(path, 0o666); resolve(server); }));
}

/** Runs a command without blocking the event loop, with a hard time limit; stdin gets "QUIT". */
export function runAsync(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: `${stdout}${stderr}` });
    });
    child.stdin?.end('QUIT\n');
  });
}
