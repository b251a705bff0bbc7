/**
 * Progress of a long-running command on stderr: a redrawn bar on a terminal, and a plain line every
 * `intervalMs` otherwise (CI logs), so a user always sees that work is going on and how far it got.
 */

export interface Progress {
  /** Adds `n` (default 1) units of work done. */
  tick(n?: number, note?: string): void;
  /** Sets the work done. */
  update(done: number, note?: string): void;
  /** Ends the display with a final line. */
  finish(summary?: string): void;
}

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  intervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 28;

function formatCount(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

export function progress(label: string, total?: number, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const interactive = stream.isTTY === true;
  const interval = options.intervalMs ?? (interactive ? 100 : 5000);
  const start = now();
  let done = 0;
  let note = "";
  let last = -Infinity;

  const line = (): string => {
    const seconds = (now() - start) / 1000;
    const rate = seconds > 0 ? ` ${(done / seconds).toFixed(1)}/s` : "";
    const count =
      total === undefined ? formatCount(done) : `${formatCount(done)}/${formatCount(total)}`;
    let bar = "";
    if (total !== undefined && total > 0) {
      const filled = Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH));
      bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] `;
    }
    return `${label} ${bar}${count}${rate} ${seconds.toFixed(0)}s${note ? ` ${note}` : ""}`;
  };

  const draw = (force: boolean): void => {
    const t = now();
    if (!force && t - last < interval) return;
    last = t;
    if (interactive) stream.write(`\r\x1b[2K${line()}`);
    else stream.write(`${line()}\n`);
  };

  return {
    tick(n = 1, text) {
      done += n;
      if (text !== undefined) note = text;
      draw(false);
    },
    update(value, text) {
      done = value;
      if (text !== undefined) note = text;
      draw(false);
    },
    finish(summary) {
      if (summary !== undefined) note = summary;
      draw(true);
      if (interactive) stream.write("\n");
    },
  };
}
