/** The error every naming rule throws: its message names the input at fault and the fix. */
export class NamingError extends Error {
  override name = "NamingError";
}
