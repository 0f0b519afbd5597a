import type { FileKind } from './engine-types.ts';

/**
 * main or master, judged from a file name (a path or a bare name); undefined when the name says neither.
 * Templates of those files count too: main.cf.j2, master.cf.erb, main.cf.tpl, ...
 */
export function kindFromName(path: string): FileKind | undefined {
  const name = (path.split(/[\\/]/).pop() ?? path).toLowerCase();
  const m = /(main|master)\.cf((\.[\w-]+)*\.(j2|jinja2?|erb|tpl|tmpl|template)|\.(in|dist|orig|example))?$/.exec(name);
  if (m) return m[1] === 'main' ? 'main' : 'master';
  return undefined;
}
