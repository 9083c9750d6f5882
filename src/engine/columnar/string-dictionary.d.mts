/** Declarations of string-dictionary.mjs (plain JavaScript, shared with the decoder threads). */
export declare function dictionaryCodes(
  offsets: Int32Array,
  bytes: Uint8Array,
  valid: Uint8Array | null,
  n: number,
  maxEntries: number,
): { codes: Uint16Array; starts: number[]; ends: number[]; count: number } | undefined;
