// Watches daemon.json with chokidar through edits, atomic rename-overs, delete and re-create, and a directory
// that only appears later. Only one directory is watched at a time (the file's, or its nearest existing ancestor),
// so a missing /etc/docker never means watching / recursively.
import { existsSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';

export class ConfigWatcher {
  private watcher: FSWatcher | null = null;
  private watchedDir: string | null = null;
  private closed = false;

  constructor(
    private file: string,
    private readonly onChange: (reason: string) => void,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  get watching(): string | null {
    return this.watchedDir;
  }

  /** Starts watching (or moves the watch to a new path); resolves once chokidar is ready. */
  async target(file: string = this.file): Promise<void> {
    this.file = file;
    let dir = dirname(file);
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    if (dir === this.watchedDir && this.watcher) return;
    await this.watcher?.close();
    if (this.closed) return;
    this.watchedDir = dir;
    const fileDir = dirname(file);
    const watcher = watch(dir, { depth: 0, ignoreInitial: true, persistent: false });
    this.watcher = watcher;
    watcher.on('all', (event, path) => {
      if (path === file) {
        this.onChange(`${event} ${path}`);
        return;
      }
      // A directory on the way to the file appeared, or the watched directory vanished: move the watch. Only
      // a move is a change: chokidar 4 watching / (the nearest existing ancestor of /nonexistent/daemon.json)
      // reports every entry of /, and / itself, as removed and added again while nothing changed.
      const onTheWay = fileDir === path || fileDir.startsWith(path + sep) || relative(path, dir) === '';
      if ((event === 'addDir' || event === 'unlinkDir') && onTheWay) {
        const before = this.watchedDir;
        this.target().then(
          () => {
            if (this.watchedDir !== before) this.onChange(`${event} ${path}`);
          },
          (e: Error) => this.onError(e),
        );
      }
    });
    watcher.on('error', (e) => this.onError(e as Error));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    // The file may have appeared while the watch was being set up.
    if (dir !== fileDir && existsSync(fileDir)) await this.target();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.watcher?.close();
    this.watcher = null;
  }
}
