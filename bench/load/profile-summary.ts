// Summarises a profile written by BENCH_LOAD_PROFILE (profile.ts): the functions and files with
// the most CPU, self and inclusive, in % of the samples that were not idle.
//   node bench/load/profile-summary.ts <file.cpuprofile | py-spy collapsed .txt> [top=30] [filter]
// `filter` (a substring of a frame) keeps only the samples whose stack contains it.
import { readFileSync } from 'node:fs';

const [file, topArg, filter] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file> [top] [filter]');
const TOP = Number(topArg ?? 30);

/** One sampled stack, root first, and how many samples it had. */
type Stack = { frames: string[]; count: number };

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

function fromCpuProfile(text: string): Stack[] {
  const profile = JSON.parse(text) as { nodes: CpuProfileNode[]; samples: number[] };
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const stacks: Stack[] = [];
  for (const [id, count] of counts) {
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      const where = url.replace(/^file:\/\/.*?\/(node_modules|bridge|bench)\//, '$1/');
      frames.unshift(`${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`);
    }
    stacks.push({ frames, count });
  }
  return stacks;
}

function fromCollapsed(text: string): Stack[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const at = line.lastIndexOf(' ');
      return { frames: line.slice(0, at).split(';'), count: Number(line.slice(at + 1)) };
    });
}

const IDLE = /\(idle\)|epoll_wait|select \(selectors|_poll \(|doPoll|wait \(threading|_worker \(concurrent/;
const text = readFileSync(file, 'utf8');
let stacks = (file.endsWith('.cpuprofile') ? fromCpuProfile(text) : fromCollapsed(text)).filter(
  (stack) => !IDLE.test(stack.frames.at(-1)!),
);
if (filter) stacks = stacks.filter((stack) => stack.frames.some((frame) => frame.includes(filter)));
const total = stacks.reduce((sum, stack) => sum + stack.count, 0);

function table(title: string, key: (frame: string) => string) {
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const { frames, count } of stacks) {
    const leaf = key(frames.at(-1)!);
    self.set(leaf, (self.get(leaf) ?? 0) + count);
    for (const name of new Set(frames.map(key))) inclusive.set(name, (inclusive.get(name) ?? 0) + count);
  }
  const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  console.log(`\n== ${title}: self (top ${TOP})`);
  for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(n)}  ${name}`);
  console.log(`\n== ${title}: inclusive (top ${TOP})`);
  for (const [name, n] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(n)}  ${name}`);
}

console.log(`${file}: ${total} busy samples${filter ? ` containing ${filter}` : ''}`);
table('functions', (frame) => frame);
table('files', (frame) => frame.replace(/:\d+\)?$/, '').replace(/^.* \(?/, ''));
