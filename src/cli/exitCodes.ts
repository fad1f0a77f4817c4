// Exit codes of the command line, in a module of their own so the entry point can use them without loading
// `check` (and with it the catalog) for `--version` or `--help`.

/** check: the report is complete and nothing at or above --fail-on failed. */
export const EXIT_OK = 0;
/** check: the report is complete and a finding at or above --fail-on failed. */
export const EXIT_FINDINGS = 1;
/** A usage or configuration error, or check could not judge (no complete report). */
export const EXIT_COULD_NOT_JUDGE = 2;
