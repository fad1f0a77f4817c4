// What the dockerd model cannot decide. Controls that read an undecidable part of the model report `error`
// with this message; anything else thrown during an evaluation is an internal error.

export class UndecidableError extends Error {}

/** A part of the model computed once per evaluation: its value, or why it cannot be known. */
export type Derived<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: Error };

export function derive<T>(compute: () => T): Derived<T> {
  try {
    return { ok: true, value: compute() };
  } catch (error) {
    // Kept with its class, so the control that reads it reports the same error as if it had computed it.
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

/** The value, or the error it could not be computed for, thrown again for the control reading it. */
export function orThrow<T>(d: Derived<T>): T {
  if (!d.ok) throw d.error;
  return d.value;
}
