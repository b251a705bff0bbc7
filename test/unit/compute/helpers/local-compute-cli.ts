/**
 * Runs one LocalCompute operation in its own process, for the cross-process tests:
 *   start <stateDir> <vm>                       start a VM, then exit at once
 *   write <stateDir> <vm> <prefix> <n>          n read-modify-writes of keys <prefix>0..n-1
 */
import { updateMetadata } from "@pgb/compute";
import { LocalCompute } from "@pgb/local/compute";

const [command, stateDir, vm, prefix, n] = process.argv.slice(2);
if (stateDir === undefined || vm === undefined)
  throw new Error("usage: <command> <stateDir> <vm> …");
const compute = new LocalCompute({ stateDir });
if (command === "start") {
  await compute.start(vm);
} else if (command === "write") {
  for (let i = 0; i < Number(n); i += 1) {
    await updateMetadata(
      compute,
      vm,
      { [`${prefix}${i}`]: String(process.pid) },
      { maxAttempts: 1000, backoffMs: 1 },
    );
  }
} else {
  throw new Error(`unknown command ${command}`);
}
