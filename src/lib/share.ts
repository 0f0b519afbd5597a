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

/** Longest packed input the checker writes into the address bar; a longer one is checked but not linked. */
export const MAX_SHARED_CHARS = 64_000;

const toBase64Url = (bytes: Uint8Array) => {
  let bin = '';
  // A chunk at a time: one call per byte is slow for a large input, one call for all of it overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x4000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x4000));
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
