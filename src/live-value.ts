/**
 * A setting read at each use, so that one changed while the service runs (the console's setup page) applies
 * without a restart: the value itself, or how to read the value of now.
 */
export type Live<T> = T | (() => T);

export function valueNow<T>(v: Live<T>): T {
  return typeof v === 'function' ? (v as () => T)() : v;
}
