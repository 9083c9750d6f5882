import { readFooter } from '../parquet/parquet-metadata.js';
import type { OpenSourceFile } from '../parquet/read-row-groups.js';
import type { ByteRangeReader, ReadMeter, SourceObject } from '../storage/source-files.js';

/**
 * Opened files by content key, least recently used evicted first. Entries
 * are promises so concurrent queries opening the same file share one footer
 * read; a failed open is dropped so the next query retries.
 */
export class OpenFileCache {
  private readonly entries = new Map<string, Promise<OpenSourceFile>>();

  constructor(private readonly capacity: number) {}

  /** `meter` counts the footer read against the execution that makes it (the first to open the file). */
  open(object: SourceObject, label: string, meter?: ReadMeter): Promise<OpenSourceFile> {
    const key = object.cacheKey;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const opening = (async () => {
      const reader = await object.open();
      const metered: ByteRangeReader = { size: reader.size, read: (start, end) => reader.read(start, end, meter) };
      const footer = await readFooter(metered, object.shownAs ?? object.uri, label);
      return { object, reader, footer };
    })();
    opening.catch(() => {
      if (this.entries.get(key) === opening) this.entries.delete(key);
    });
    this.entries.set(key, opening);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return opening;
  }
}
