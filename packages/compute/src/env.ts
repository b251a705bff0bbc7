/** Environment variables of the compute port (documented in docs/night-conductor.md). */
export const COMPUTE_ENV = {
  /** `gce` or `local`; unset: `local` when an emulator host is set, else `gce`. */
  kind: "PGB_COMPUTE",
  /** The local instance's compute state directory (launch spec, VM state, activity records). */
  stateDir: "PGB_LOCAL_STATE_DIR",
  /** Local stop: SIGTERM → SIGKILL grace period (default 90). */
  stopGraceSeconds: "PGB_LOCAL_STOP_GRACE_SECONDS",
} as const;
