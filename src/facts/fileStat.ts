// The metadata of one host file, as every file control and source sees it.
export interface FileStat {
  readonly path: string;
  readonly exists: boolean;
  readonly kind: 'socket' | 'file' | 'directory' | 'symlink' | 'other' | null;
  /** Permission bits only (mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeSeconds: number;
}
