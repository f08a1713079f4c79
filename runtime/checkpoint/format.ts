import { createHash } from 'node:crypto';
import { TapfitError } from '../../plugin-sdk/index.ts';

/**
 * A checkpoint file is a plain safetensors file (https://github.com/huggingface/safetensors): 8 bytes of
 * header length (u64, little-endian), a JSON header naming every tensor (dtype, shape, byte range), then the
 * raw little-endian tensor bytes. tapfit's manifest (optimizer hypers, plugin states, progress, …) is a JSON
 * string in the header's `__metadata__`, so any safetensors reader can open the weights, and nothing in the
 * file is ever evaluated.
 */
export const CHECKPOINT_FORMAT = 'tapfit-checkpoint';
/** Version 2 added a checksum per section (tensor index, manifest, data); version 1 files are refused. */
export const CHECKPOINT_VERSION = 2;

/**
 * The largest header a checkpoint may declare. Long series (a recorder's per-batch losses) go to the data
 * section, so a real header stays in the kilobytes; this bound keeps a corrupt length from allocating gigabytes.
 */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * The tensor index (name, dtype, shape, offsets of every tensor) as hashed: the header's entries in file order,
 * so an edited dtype, shape or offset changes it.
 */
function indexDigest(header: Record<string, unknown>): string {
  const rows = Object.entries(header).filter(([name]) => name !== '__metadata__');
  return sha256(JSON.stringify(rows));
}

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** safetensors dtype names ↔ typed arrays. */
const DTYPES = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  U8: Uint8Array,
} as const;
type DType = keyof typeof DTYPES;

export interface StoredTensor {
  shape: number[];
  data: TypedArray;
}

export interface CheckpointBytes<M> {
  manifest: M;
  tensors: Map<string, StoredTensor>;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  return 'U8';
}

function toLittleEndianBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (littleEndian || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const view = new DataView(out.buffer);
  data.forEach((v, i) => {
    if (data instanceof Float32Array) view.setFloat32(i * 4, v, true);
    else if (data instanceof Float64Array) view.setFloat64(i * 8, v, true);
    else view.setInt32(i * 4, v, true);
  });
  return out;
}

function fromLittleEndianBytes(dtype: DType, bytes: Uint8Array): TypedArray {
  const Ctor = DTYPES[dtype];
  const copy = new Uint8Array(bytes); // an aligned copy (Buffer#slice would be a view into the file)
  const data = new Ctor(copy.buffer, 0, copy.length / Ctor.BYTES_PER_ELEMENT);
  if (littleEndian || Ctor.BYTES_PER_ELEMENT === 1) return data;
  const view = new DataView(copy.buffer);
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'F32') data[i] = view.getFloat32(i * 4, true);
    else if (dtype === 'F64') data[i] = view.getFloat64(i * 8, true);
    else data[i] = view.getInt32(i * 4, true);
  }
  return data;
}

type Section = 'index' | 'manifest' | 'data';

function parseChecksums(value: unknown): Record<Section, string> | null {
  if (typeof value !== 'string') return null;
  try {
    const c = JSON.parse(value) as Record<string, unknown>;
    const ok = (['index', 'manifest', 'data'] as const).every((k) => typeof c?.[k] === 'string' && /^[0-9a-f]{64}$/.test(c[k] as string));
    return ok ? (c as Record<Section, string>) : null;
  } catch {
    return null;
  }
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Serialises a manifest and named tensors into one buffer (safetensors layout, header padded to 8 bytes). */
export function encodeCheckpoint(manifest: object, tensors: ReadonlyMap<string, StoredTensor>): Uint8Array {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (sizeOf(t.shape) !== t.data.length) {
      throw new TapfitError('E_CHECKPOINT', `tensor "${name}": shape [${t.shape}] does not hold ${t.data.length} values`);
    }
    const bytes = toLittleEndianBytes(t.data);
    header[name] = { dtype: dtypeOf(t.data), shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const body = Buffer.concat(chunks, offset);
  const manifestJson = JSON.stringify(manifest);
  const checksums: Record<Section, string> = { index: indexDigest(header), manifest: sha256(manifestJson), data: sha256(body) };
  header.__metadata__ = {
    format: CHECKPOINT_FORMAT,
    format_version: String(CHECKPOINT_VERSION),
    sha256: JSON.stringify(checksums),
    manifest: manifestJson,
  };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([head, Buffer.from(json, 'utf8'), body]);
}

/**
 * Parses and checks a checkpoint buffer: header, format and version, every tensor's byte range, the total
 * size (a truncated file is refused) and the checksum. `source` names the file in error messages.
 */
export function decodeCheckpoint<M>(bytes: Uint8Array, source: string): CheckpointBytes<M> {
  const fail = (what: string): never => {
    throw new TapfitError('E_CHECKPOINT', `checkpoint ${source}: ${what}`);
  };
  if (bytes.length < 8) fail(`only ${bytes.length} bytes: the file is truncated or not a checkpoint`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(buf.readBigUInt64LE(0));
  if (headerLength > MAX_HEADER_BYTES) fail(`the header claims ${headerLength} bytes, more than the ${MAX_HEADER_BYTES} a checkpoint may have: the file is corrupt or not a checkpoint`);
  if (headerLength > bytes.length - 8) fail(`the header claims ${headerLength} bytes but the file has ${bytes.length}: it is truncated or not a checkpoint`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLength).toString('utf8')) as Record<string, unknown>;
  } catch {
    return fail('the header is not valid JSON: the file is corrupt or not a checkpoint');
  }
  const meta = header.__metadata__ as Record<string, unknown> | undefined;
  if (!meta || meta.format !== CHECKPOINT_FORMAT) fail(`not a tapfit checkpoint (no "${CHECKPOINT_FORMAT}" metadata)`);
  const version = Number(meta!.format_version);
  if (!Number.isInteger(version) || version < 1) fail(`unknown format version "${String(meta!.format_version)}"`);
  if (version > CHECKPOINT_VERSION) {
    fail(`written in format version ${version} by a newer tapfit; this tapfit reads versions up to ${CHECKPOINT_VERSION} (upgrade tapfit to load it)`);
  }
  if (version < CHECKPOINT_VERSION) {
    fail(
      `written in format version ${version} by an older tapfit, whose checksum does not cover the header and manifest; ` +
        `this tapfit reads version ${CHECKPOINT_VERSION} only (save the checkpoint again with the tapfit that wrote it, or retrain)`,
    );
  }
  const checksums = parseChecksums(meta!.sha256);
  if (!checksums) fail('the checksums are missing or malformed: the file was edited or is corrupt');
  const mismatch = (what: string) => fail(`checksum mismatch in the ${what}: the file was edited or is corrupt`);
  // The index first: offsets and dtypes are only trusted once it matches.
  if (indexDigest(header) !== checksums!.index) mismatch('tensor index (names, dtypes, shapes, offsets)');
  if (typeof meta!.manifest !== 'string' || sha256(meta!.manifest) !== checksums!.manifest) mismatch('manifest (optimizer, plugin states, progress)');
  const body = buf.subarray(8 + headerLength);
  const tensors = new Map<string, StoredTensor>();
  let end = 0;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: string; shape?: unknown; data_offsets?: unknown };
    const Ctor = DTYPES[e.dtype as DType];
    const shape = e.shape as number[];
    const [from, to] = (e.data_offsets ?? []) as number[];
    if (!Ctor) fail(`tensor "${name}" has unsupported dtype ${String(e.dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor "${name}" has an invalid shape`);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from) fail(`tensor "${name}" has invalid data offsets`);
    if (to - from !== sizeOf(shape) * Ctor.BYTES_PER_ELEMENT) fail(`tensor "${name}": ${to - from} bytes do not fit shape [${shape}]`);
    if (to > body.length) fail(`truncated: tensor "${name}" ends at byte ${to} of the data, which has only ${body.length}`);
    end = Math.max(end, to);
    tensors.set(name, { shape, data: fromLittleEndianBytes(e.dtype as DType, body.subarray(from, to)) });
  }
  if (end !== body.length) fail(`${body.length - end} unexpected bytes after the tensor data`);
  if (sha256(body) !== checksums!.data) mismatch('tensor data');
  let manifest: M;
  try {
    manifest = JSON.parse(String(meta!.manifest)) as M;
  } catch {
    return fail('the manifest is not valid JSON');
  }
  return { manifest, tensors };
}

/** Number arrays at least this long are stored in binary. */
const LONG_SERIES = 32;

/**
 * JSON for plugin, optimizer and data states, lossless: non-finite numbers and -0 are tagged (`{"$number":"NaN"}`),
 * typed arrays, float32 `{ shape, values }` tensors and long number arrays go to the binary part (`{"$tensor":"name"}`), and objects
 * whose keys start with `$` are escaped. Anything else non-JSON (a tf.Tensor, a Map, a function) is refused.
 */
export class StateEncoder {
  constructor(readonly tensors: Map<string, StoredTensor> = new Map()) {}

  encode(value: unknown, path: string): unknown {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') {
      if (Number.isNaN(value)) return { $number: 'NaN' };
      if (!Number.isFinite(value)) return { $number: value > 0 ? 'Infinity' : '-Infinity' };
      return Object.is(value, -0) ? { $number: '-0' } : value;
    }
    if (ArrayBuffer.isView(value)) {
      if (!(value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array)) {
        throw unsupported(path, value.constructor.name);
      }
      return this.store(path, { shape: [value.length], data: value }, 'typed');
    }
    if (Array.isArray(value)) {
      // Long series (per-batch losses, lrs) go to the data section as float64, which holds every JS number
      // exactly (NaN, ±Infinity and -0 included): the header stays small however long the run.
      if (value.length >= LONG_SERIES && value.every((v) => typeof v === 'number')) {
        return this.store(path, { shape: [value.length], data: Float64Array.from(value as number[]) }, 'numbers');
      }
      return value.map((v, i) => (v === undefined ? null : this.encode(v, `${path}[${i}]`)));
    }
    if (typeof value === 'object') {
      if (isFloatTensorObject(value)) {
        return this.store(path, { shape: [...value.shape], data: Float32Array.from(value.values) }, 'array');
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw unsupported(path, proto?.constructor?.name ?? 'object');
      const out: Record<string, unknown> = {};
      let escaped = false;
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        if (k.startsWith('$')) escaped = true;
        out[k] = this.encode(v, `${path}.${k}`);
      }
      return escaped ? { $object: out } : out;
    }
    throw unsupported(path, typeof value);
  }

  private store(path: string, tensor: StoredTensor, as: 'typed' | 'array' | 'numbers'): unknown {
    const name = `state:${path}`;
    this.tensors.set(name, tensor);
    if (as === 'typed') return { $tensor: name };
    return { $tensor: name, $as: as === 'array' ? 'shape-values' : 'numbers' };
  }
}

function unsupported(path: string, what: string): TapfitError {
  return new TapfitError(
    'E_CHECKPOINT',
    `cannot save ${path}: a ${what} is not plain data (use numbers, strings, arrays, objects, typed arrays, or { shape, values } for a tensor)`,
  );
}

/** `{ shape, values: number[] }` whose values are all float32-exact: stored as binary without loss. */
function isFloatTensorObject(value: object): value is { shape: number[]; values: number[] } {
  const v = value as { shape?: unknown; values?: unknown };
  if (Object.keys(v).length !== 2 || !Array.isArray(v.shape) || !Array.isArray(v.values)) return false;
  if (!v.shape.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(v.shape as number[]) !== v.values.length) return false;
  return (v.values as unknown[]).every((x) => typeof x === 'number' && Math.fround(x) === x);
}

/** The inverse of `StateEncoder.encode`. */
export function decodeState(value: unknown, tensors: ReadonlyMap<string, StoredTensor>, source: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => decodeState(v, tensors, source));
  const v = value as Record<string, unknown>;
  if ('$number' in v) {
    const table: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
    if (!(String(v.$number) in table)) throw new TapfitError('E_CHECKPOINT', `checkpoint ${source}: unknown number tag ${String(v.$number)}`);
    return table[String(v.$number)];
  }
  if ('$tensor' in v) {
    const t = tensors.get(String(v.$tensor));
    if (!t) throw new TapfitError('E_CHECKPOINT', `checkpoint ${source}: the state refers to a missing tensor "${String(v.$tensor)}"`);
    if (v.$as === 'numbers') return Array.from(t.data);
    return v.$as === 'shape-values' ? { shape: [...t.shape], values: Array.from(t.data) } : t.data.slice();
  }
  const entries = '$object' in v ? (v.$object as Record<string, unknown>) : v;
  return Object.fromEntries(Object.entries(entries).map(([k, x]) => [k, decodeState(x, tensors, source)]));
}
