// The metadata of one host file, as every file control and source sees it.
export interface FileStat {
  readonly path: string;
  readonly exists: boolean;
  /**
   * The exporter's user may not search a directory on the path (a non-root exporter and a root-only
   * directory): whether the file exists is unknown, and `exists` is false only because nothing was seen.
   */
  readonly denied?: boolean;
  readonly kind: 'socket' | 'file' | 'directory' | 'symlink' | 'other' | null;
  /** Permission bits only (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeSeconds: number;
}
