#!/usr/bin/env node
// The pgb CLI. The compiled code lives in dist/ (built by `npm run build`, which `npm ci` runs).
import { main } from "../dist/index.js";

process.exitCode = await main(process.argv);
