/**
 * Counts the work code does on a data structure without timing it: every
 * property read of a plain object or array inside `value` (at any depth,
 * reached through the returned view) adds one to `reads`. A comparison of
 * two plan expressions reads their fields, an intersection of two lists
 * reads their elements, so for the plans and predicates that planning
 * handles, reads track operations: quadratic work shows as quadratic reads,
 * whatever the machine's speed.
 *
 * Views are proxies over unfrozen shallow copies (a proxy of a frozen object
 * must hand out the very values it holds, not views of them), made lazily
 * and once per object, so identity comparisons between views hold. Values
 * other than plain objects and arrays (Sets, Maps, Buffers, typed arrays,
 * primitives) are handed out as they are and their use is not counted.
 *
 * What it cannot see: work on copies the code makes of what it read (a
 * plain array of views copied into another array is read through the copy).
 */
export interface ReadCounter {
  reads: number;
  view<T>(value: T): T;
}

export function readCounter(): ReadCounter {
  const views = new WeakMap<object, object>();
  const counter: ReadCounter = {
    reads: 0,
    view<T>(value: T): T {
      if (!isPlain(value)) return value;
      let v = views.get(value);
      if (v === undefined) {
        const copy = Array.isArray(value) ? [...value] : { ...value };
        v = new Proxy(copy, {
          get(target, key, receiver) {
            counter.reads++;
            return counter.view(Reflect.get(target, key, receiver) as unknown);
          },
        });
        views.set(value, v);
      }
      return v as T;
    },
  };
  return counter;
}

function isPlain(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
