/**
 * `LandingWatcher`: the laptop stand-in for S3 `ObjectCreated` events. It reports each file under
 * the landing directory once its size has stopped changing, so a file still being copied in is
 * never converted half-written.
 *
 * Three sources feed it, because none is enough alone: a startup scan (files that landed while
 * floe was down), `fs.watch` (low latency), and a periodic rescan (recursive `fs.watch` misses
 * events on some platforms and for directories created after the watch started). A file is
 * reported again only when its size or mtime changes: a changed file is new data, like a new S3
 * object version (invariant 1).
 *
 * @example
 * const watcher = new LandingWatcher({ root: '.floe/landing', onFile: (f) => ingest(f) });
 * await watcher.start();
 * // … later
 * await watcher.close();
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { walkFiles } from '../storage/local.js';

/** A landed file, ready to ingest. */
export interface LandedFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the landing root with `/` separators, e.g. `sales/orders/2024-01-01.csv`. */
  key: string;
  size: number;
  mtimeMs: number;
}

export interface LandingWatcherOptions {
  /** The landing directory (created by the caller). */
  root: string;
  /** Called once per stable file (and again if the file later changes). Errors are the caller's. */
  onFile(file: LandedFile): void;
  /** How long a file's size and mtime must stay unchanged before it is reported. @default 300 */
  stableMs?: number;
  /** Interval of the fallback rescan. @default 2000 */
  rescanMs?: number;
}

/**
 * Names that are never data: hidden files, editor and download temporaries (`*.tmp`, `*.part`,
 * `*.crdownload`, Office's `~$*` lock files). Write a file under such a name and rename it into
 * place when complete: the rename is atomic, so floe never sees it half-written.
 */
export function isIgnoredName(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.startsWith('~$') ||
    name.endsWith('~') ||
    /\.(tmp|part|partial|crdownload|swp)$/i.test(name) ||
    name.endsWith('.error.json')
  );
}

export class LandingWatcher {
  readonly #options: Required<LandingWatcherOptions>;
  /** key → `size:mtime` last reported. */
  readonly #reported = new Map<string, string>();
  /** key → pending stability check. */
  readonly #checks = new Map<string, NodeJS.Timeout>();
  #watcher: FSWatcher | undefined;
  #rescan: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: LandingWatcherOptions) {
    this.#options = { stableMs: 300, rescanMs: 2000, ...options };
  }

  /** Scans the directory once and starts watching. */
  async start(): Promise<void> {
    try {
      this.#watcher = watch(this.#options.root, { recursive: true }, (_event, name) => {
        if (name) this.#schedule(join(this.#options.root, name.toString()));
      });
      this.#watcher.on('error', () => {
        // The periodic rescan keeps working without the watch.
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch {
      this.#watcher = undefined;
    }
    await this.scan();
    this.#rescan = setInterval(() => void this.scan(), this.#options.rescanMs);
    this.#rescan.unref();
  }

  /** Walks the landing tree and schedules a stability check for every file not yet reported. */
  async scan(): Promise<void> {
    for await (const path of walkFiles(this.#options.root, isIgnoredName)) {
      if (this.#closed) return;
      this.#schedule(path);
    }
  }

  /** Stops watching; pending stability checks are abandoned (the next start rescans). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    if (this.#rescan) clearInterval(this.#rescan);
    for (const timer of this.#checks.values()) clearTimeout(timer);
    this.#checks.clear();
  }

  #schedule(path: string): void {
    if (this.#closed) return;
    const key = relative(this.#options.root, path).split(sep).join('/');
    if (key.startsWith('..') || key.split('/').some(isIgnoredName)) return;
    if (this.#checks.has(key)) return;
    void this.#check(path, key, undefined);
  }

  async #check(path: string, key: string, previous: string | undefined): Promise<void> {
    this.#checks.delete(key);
    if (this.#closed) return;
    let info: { size: number; mtimeMs: number; isFile: boolean };
    try {
      const s = await stat(path);
      info = { size: s.size, mtimeMs: s.mtimeMs, isFile: s.isFile() };
    } catch {
      return; // gone (renamed into place under another name, or deleted)
    }
    if (!info.isFile) return;
    const version = `${info.size}:${info.mtimeMs}`;
    if (this.#reported.get(key) === version) return;
    if (previous === version) {
      this.#reported.set(key, version);
      this.#options.onFile({ path, key, size: info.size, mtimeMs: info.mtimeMs });
      return;
    }
    // Not stable yet (or first sight): look again after `stableMs`.
    const timer = setTimeout(() => void this.#check(path, key, version), this.#options.stableMs);
    this.#checks.set(key, timer);
  }
}
