// Word wrapping for the text report and --help: both are read in an 80-column terminal.
/**
 * Wraps `text` after `first` at `width` columns between words; later lines start with `indent`. A word longer
 * than a line (a URL) gets a line of its own rather than being cut.
 */
export function wrap(first: string, text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ').filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}
