// Packs checker input into a URL fragment (#c=...): deflate-raw + base64url. The fragment is never sent to
// any server, so a shared link carries the configuration without it leaving the reader's browser.

export interface SharedInput {
  main: string;
  master: string;
  policy: string;
  /** Postfix release, e.g. "3.7". */
  postfix?: string;
  /** compatibility_level override. */
  compat?: string;
}

const toBase64Url = (bytes: Uint8Array) => {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const fromBase64Url = (text: string) => {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
};

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

export async function encodeShared(input: SharedInput): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(input));
  return toBase64Url(await pipe(json, new CompressionStream('deflate-raw')));
}

/** Returns null (never throws) for a fragment that is not a valid packed input. */
export async function decodeShared(packed: string): Promise<SharedInput | null> {
  try {
    const json = new TextDecoder().decode(await pipe(fromBase64Url(packed), new DecompressionStream('deflate-raw')));
    const v = JSON.parse(json) as Partial<SharedInput>;
    if (typeof v !== 'object' || v === null) return null;
    const str = (x: unknown) => (typeof x === 'string' ? x : '');
    return { main: str(v.main), master: str(v.master), policy: str(v.policy), postfix: v.postfix ? str(v.postfix) : undefined, compat: v.compat ? str(v.compat) : undefined };
  } catch {
    return null;
  }
}
