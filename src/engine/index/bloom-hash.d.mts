/** Declarations of bloom-hash.mjs (plain JavaScript, shared with the decoder threads). */
export declare const BITS_PER_VALUE: number;
export declare function wordsFor(n: number, bitsPerValue?: number): number;
export declare function murmur3(b: Uint8Array, start: number, end: number): number;
export declare function insert(words: Uint32Array, b: Uint8Array, start: number, end: number): void;
export declare function mayContain(words: Uint32Array, b: Uint8Array, start: number, end: number): boolean;
export declare function insertColumn(words: Uint32Array, offsets: Int32Array, bytes: Uint8Array, valid: Uint8Array | null, n: number): void;
