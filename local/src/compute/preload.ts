/** Preloaded (`node --import`) into every program of a local instance: installs the local harness. */
import { installLocalHarness } from "@pgb/compute";
import { localHarness } from "./harness.js";

installLocalHarness(localHarness);
