// The TLS parameter names, for the search box's "did you mean" offer (a few KB, fetched on the first query).
import { getCollection } from 'astro:content';

export async function GET() {
  const names = (await getCollection('parameters')).map((e) => e.data.name).sort();
  return new Response(JSON.stringify(names), { headers: { 'Content-Type': 'application/json' } });
}
