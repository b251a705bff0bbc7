/**
 * Where the consumer's CPU goes, from the `--cpu-prof` profiles the benchmark writes (one per
 * thread): self time by owner (our code, each library, Node's internals, the garbage collector),
 * the same with Node's internals and native code charged to the caller that entered them (a
 * `Buffer.copy` our code makes is ours, one a library makes is the library's), the functions with
 * the most self time, and our own functions by self time. Our code is the bundle's (dist/pgb/index.js, the consumer and
 * the broker-utils code it inlines); every npm package stays in node_modules, so the split is exact.
 *
 *   npx tsx bench/consumer/profile.ts DIR [--top 15]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Who a frame belongs to. */
export function owner(url: string, functionName: string): string {
  // callbacks the event loop enters with no JavaScript caller: socket reads, timers, messages
  if (functionName === "(root)") return "(event loop)";
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.includes("dist/pgb/index.js")) return "consumer (ours)";
  if (url.startsWith("node:")) return "node internals";
  return url;
}

/** Self microseconds by owner and by our own functions. */
const RUNTIME = new Set(["node internals", "(native)"]);

export function selfTimes(profile: Profile): {
  byOwner: Map<string, number>;
  byCaller: Map<string, number>;
  byFunction: Map<string, number>;
  ours: Map<string, number>;
  total: number;
} {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byOwner = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownerOf = (n: ProfileNode) => owner(n.callFrame.url, n.callFrame.functionName);
  /** The owner of the nearest frame, from `node` up, that is not the runtime's. */
  const caller = (node: ProfileNode): string => {
    for (let n: ProfileNode | undefined = node; n !== undefined; n = nodes.get(parent.get(n.id)!)) {
      if (!RUNTIME.has(ownerOf(n))) return ownerOf(n);
    }
    return ownerOf(node);
  };
  const byFunction = new Map<string, number>();
  const ours = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, dt: number) =>
    map.set(key, (map.get(key) ?? 0) + dt);
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (node === undefined || node.callFrame.functionName === "(idle)") return;
    total += dt;
    const who = owner(node.callFrame.url, node.callFrame.functionName);
    const name = `${node.callFrame.functionName || "(anonymous)"}:${node.callFrame.lineNumber + 1}`;
    add(byOwner, who, dt);
    add(byCaller, RUNTIME.has(who) ? caller(node) : who, dt);
    add(byFunction, `${name} (${who})`, dt);
    if (who === "consumer (ours)") add(ours, name, dt);
  });
  return { byOwner, byCaller, byFunction, ours, total };
}

function table(map: Map<string, number>, total: number, top: number): string {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([k, us]) =>
        `  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`,
    )
    .join("\n");
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { top: { type: "string", default: "15" } },
    allowPositionals: true,
  });
  const dir = positionals[0];
  if (dir === undefined) throw new Error("give the folder of the .cpuprofile files");
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .sort()) {
    const { byOwner, byCaller, byFunction, ours, total } = selfTimes(
      JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile,
    );
    console.log(`${file}: ${(total / 1000).toFixed(0)} ms of samples (idle excluded)`);
    console.log(table(byOwner, total, Number(values.top)));
    console.log("  the runtime's part charged to its caller:");
    console.log(table(byCaller, total, Number(values.top)));
    console.log("  functions:");
    console.log(table(byFunction, total, Number(values.top)));
    console.log("  our functions:");
    console.log(table(ours, total, Number(values.top)));
  }
}

main();
