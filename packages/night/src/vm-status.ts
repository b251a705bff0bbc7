/**
 * The states of a VM as Compute Engine reports them (`Instance.status`); the local compute port
 * uses the subset RUNNING, STOPPING and TERMINATED. Only RUNNING runs the program; a stopped VM is
 * TERMINATED (STOPPED is a transient state of a stop in progress on some machine types).
 */
export const VM_STATUSES = [
  "PROVISIONING",
  "STAGING",
  "RUNNING",
  "PENDING_STOP",
  "STOPPING",
  "STOPPED",
  "SUSPENDING",
  "SUSPENDED",
  "REPAIRING",
  "TERMINATED",
  "DEPROVISIONING",
  "PENDING",
] as const;
export type VmStatus = (typeof VM_STATUSES)[number];

export function isVmStatus(value: string): value is VmStatus {
  return (VM_STATUSES as readonly string[]).includes(value);
}
