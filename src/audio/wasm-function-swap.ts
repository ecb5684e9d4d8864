/**
 * Just enough of the WebAssembly binary format to put a new body in place of
 * one function: the sections are walked, the function and code sections
 * rebuilt, every other byte kept. Functions are only ever appended, so no
 * index in the module (calls, exports, the table) changes.
 */

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const SECTION_IMPORT = 2;
const SECTION_FUNCTION = 3;
const SECTION_CODE = 10;
const IMPORT_FUNC = 0;
const IMPORT_TABLE = 1;
const IMPORT_MEMORY = 2;
const IMPORT_GLOBAL = 3;

export class WasmFormatError extends Error {}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new WasmFormatError('wasm: unexpected end of module');
    return this.bytes[this.pos++]!;
  }

  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new WasmFormatError('wasm: LEB128 number too long');
  }

  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.bytes.length) throw new WasmFormatError('wasm: unexpected end of module');
  }

  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

/** Unsigned LEB128, as the format writes counts, sizes and indexes. */
export function u32Leb(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

interface Section {
  id: number;
  /** Where the section's header starts, and its contents start and end. */
  at: number;
  start: number;
  end: number;
}

function sectionsOf(bytes: Uint8Array): Section[] {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new WasmFormatError('wasm: not a version 1 WebAssembly module');
  const out: Section[] = [];
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const at = r.pos;
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    out.push({ id, at, start, end: r.pos });
  }
  return out;
}

function importedFunctions(bytes: Uint8Array, section: Section | undefined): number {
  if (!section) return 0;
  const r = new Reader(bytes, section.start);
  let funcs = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.skip(r.u32()); // module name
    r.skip(r.u32()); // field name
    const kind = r.byte();
    if (kind === IMPORT_FUNC) {
      r.u32();
      funcs++;
    } else if (kind === IMPORT_TABLE) {
      r.byte();
      r.limits();
    } else if (kind === IMPORT_MEMORY) r.limits();
    else if (kind === IMPORT_GLOBAL) r.skip(2);
    else throw new WasmFormatError(`wasm: unknown import kind ${kind}`);
  }
  return funcs;
}

/** A module's function table as this editor sees it: imports counted, each defined function's type and body. */
export interface WasmFunctions {
  imported: number;
  types: number[];
  /** Each defined function's body: its locals and code, without the size before it. */
  bodies: Uint8Array[];
}

function need(section: Section | undefined, what: string): Section {
  if (!section) throw new WasmFormatError(`wasm: module has no ${what} section`);
  return section;
}

export function wasmFunctions(bytes: Uint8Array): WasmFunctions {
  const sections = sectionsOf(bytes);
  const find = (id: number): Section | undefined => sections.find((s) => s.id === id);
  const fr = new Reader(bytes, need(find(SECTION_FUNCTION), 'function').start);
  const types: number[] = [];
  for (let n = fr.u32(); n > 0; n--) types.push(fr.u32());
  const cr = new Reader(bytes, need(find(SECTION_CODE), 'code').start);
  const bodies: Uint8Array[] = [];
  for (let n = cr.u32(); n > 0; n--) {
    const size = cr.u32();
    bodies.push(bytes.subarray(cr.pos, cr.pos + size));
    cr.skip(size);
  }
  if (bodies.length !== types.length) throw new WasmFormatError(`wasm: ${types.length} functions declared, ${bodies.length} bodies`);
  return { imported: importedFunctions(bytes, find(SECTION_IMPORT)), types, bodies };
}

/**
 * The module with `replace` (defined-function position to body) swapped in and
 * `append` (type index and body each) added after the last function: their
 * function indexes are imported + defined count + 0, 1, ...
 */
export function withFunctions(bytes: Uint8Array, replace: Map<number, Uint8Array>, append: Array<{ type: number; body: Uint8Array }>): Uint8Array {
  const fns = wasmFunctions(bytes);
  for (const at of replace.keys()) {
    if (!(at >= 0 && at < fns.bodies.length)) throw new RangeError(`no defined function at ${at} (the module has ${fns.bodies.length})`);
  }
  const types = [...fns.types, ...append.map((a) => a.type)];
  const bodies = [...fns.bodies.map((b, i) => replace.get(i) ?? b), ...append.map((a) => a.body)];
  const section = (id: number, parts: Uint8Array[]): Uint8Array => {
    const size = parts.reduce((s, p) => s + p.length, 0);
    return concat([Uint8Array.from([id, ...u32Leb(size)]), ...parts]);
  };
  const functionSection = section(SECTION_FUNCTION, [Uint8Array.from([...u32Leb(types.length), ...types.flatMap(u32Leb)])]);
  const codeSection = section(SECTION_CODE, [Uint8Array.from(u32Leb(bodies.length)), ...bodies.flatMap((b) => [Uint8Array.from(u32Leb(b.length)), b])]);
  const out: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const s of sectionsOf(bytes)) {
    if (s.id === SECTION_FUNCTION) out.push(functionSection);
    else if (s.id === SECTION_CODE) out.push(codeSection);
    else out.push(bytes.subarray(s.at, s.end));
  }
  return concat(out);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
