/**
 * An incremental RFC 4180 CSV reader over text chunks, for files of any size: it holds one
 * record at a time, never the file. Runtime-neutral (no Node stream, no fs): the CLI feeds it
 * from node:fs, the staff API from the request's web ReadableStream, the Worker the same way.
 *
 * Tolerant of what real exports carry: a UTF-8 BOM, CRLF, LF or lone CR line ends, `,` `;` or
 * tab delimiters (detected from the header line), quoted fields holding delimiters, quotes and
 * line breaks. A stray quote inside an unquoted field is kept as text (spreadsheets write such
 * files). Blank lines are skipped. Each record says the file's physical line it starts on (1 =
 * the first line), which is what an operator finds in an editor.
 */

export type Delimiter = ',' | ';' | '\t';

export interface CsvRecord {
  fields: string[];
  /** The physical line (1-based) the record starts on. */
  line: number;
  /** The record was longer than `maxRecordChars` (or had more than `maxFields` fields); its fields are cut. */
  tooLong: boolean;
}

export interface CsvOptions {
  /** Forced delimiter; by default the one of `,` `;` tab most frequent in the header line (`,` on a tie or none). */
  delimiter?: Delimiter;
  /** The most characters a record may hold before it is cut and flagged {@link CsvRecord.tooLong} (default 64 KiB). */
  maxRecordChars?: number;
  /** The most fields a record may have (default 1,000). */
  maxFields?: number;
}

const QUOTE = 34;
const CR = 13;
const LF = 10;

/** Text chunks from a web ReadableStream of strings, or any async iterable of them. */
export type TextSource = AsyncIterable<string> | ReadableStream<string>;

/** The chunks of a web ReadableStream, or of any async iterable, one at a time. */
async function* chunksOf<T>(source: AsyncIterable<T> | ReadableStream<T>): AsyncGenerator<T> {
  if (typeof (source as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
    yield* source as AsyncIterable<T>;
    return;
  }
  const reader = (source as ReadableStream<T>).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * The delimiter of a header line: the candidate seen most often outside quotes; `,` when none is
 * seen or on a tie with it. Pure.
 *
 * @example
 * detectDelimiter('"Email Address";"First Name"') // ';'
 */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  let best: Delimiter = ',';
  for (const d of [';', '\t'] as const) if (counts[d] > counts[best]) best = d;
  return best;
}

/** The header line's text (up to its first line end outside quotes), or null while incomplete. */
function firstLine(text: string): string | null {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted && (c === CR || c === LF)) return text.slice(0, i);
  }
  return null;
}

/**
 * Reads records from text chunks, one at a time. The header is the first record; the caller
 * reads it like any other.
 *
 * @example
 * for await (const r of readCsv(file)) console.log(r.line, r.fields);
 */
export async function* readCsv(source: TextSource, opts: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  const maxChars = opts.maxRecordChars ?? 64 * 1024;
  const maxFields = opts.maxFields ?? 1000;
  const it = chunksOf(source);

  // The delimiter comes from the header line: hold chunks until it is complete (or the header
  // alone passes the record limit, or the text ends).
  let pending = '';
  let ended = false;
  let delimiter = opts.delimiter;
  while (!delimiter) {
    const head = firstLine(pending);
    if (head !== null || pending.length > maxChars) {
      delimiter = detectDelimiter(head ?? pending.slice(0, maxChars));
      break;
    }
    const next = await it.next();
    if (next.done) {
      ended = true;
      delimiter = detectDelimiter(pending);
      break;
    }
    pending += next.value;
  }
  const DELIM = delimiter.charCodeAt(0);

  // Parser state, kept across chunks.
  let fields: string[] = [];
  let field = ''; // the current field's text from earlier chunks
  let recordChars = 0;
  let tooLong = false;
  let inRecord = false; // a record has started (a character of it was seen)
  let quoted = false; // inside a quoted field
  let quoteSeen = false; // inside a quoted field, just after a quote (an escape or the closing one)
  let line = 1; // the physical line of the next character
  let recordLine = 1;
  let afterCR = false; // the last character was a CR (a following LF is the same line end)
  let first = true;

  const out: CsvRecord[] = [];
  const add = (text: string) => {
    if (tooLong) return;
    if (recordChars + text.length > maxChars) {
      tooLong = true;
      return;
    }
    recordChars += text.length;
    field += text;
  };
  const endField = () => {
    if (fields.length < maxFields) fields.push(field);
    else tooLong = true;
    field = '';
  };
  const endRecord = () => {
    endField();
    out.push({ fields, line: recordLine, tooLong });
    fields = [];
    recordChars = 0;
    tooLong = false;
    inRecord = false;
  };

  // Whether the position is a field's start: only a leading quote opens a quoted field (RFC 4180).
  let fieldStart = true;
  const run = (chunk: string) => {
    if (first) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let start = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (afterCR) {
        afterCR = false;
        if (c === LF) {
          if (!(quoted && !quoteSeen)) {
            start = i + 1;
            continue;
          }
          // Inside quotes the LF of a CRLF is text; the line was counted at the CR.
          continue;
        }
      }
      if (!inRecord) {
        if (c === CR || c === LF) {
          line++;
          afterCR = c === CR;
          start = i + 1;
          continue;
        }
        inRecord = true;
        recordLine = line;
        fieldStart = true;
        start = i;
      }
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (c === QUOTE) {
            start = i;
            continue;
          }
          quoted = false;
          start = i;
        } else {
          if (c === QUOTE) {
            add(chunk.slice(start, i));
            quoteSeen = true;
            start = i + 1;
          } else if (c === CR || c === LF) {
            line++;
            afterCR = c === CR;
          }
          continue;
        }
      }
      if (c === DELIM) {
        add(chunk.slice(start, i));
        endField();
        fieldStart = true;
        start = i + 1;
      } else if (c === CR || c === LF) {
        add(chunk.slice(start, i));
        endRecord();
        line++;
        afterCR = c === CR;
        start = i + 1;
      } else if (c === QUOTE && fieldStart) {
        fieldStart = false;
        quoted = true;
        start = i + 1;
      } else {
        fieldStart = false;
      }
    }
    if (quoted && quoteSeen) return;
    if (inRecord && start < n) add(chunk.slice(start));
  };

  if (pending) run(pending);
  for (const r of out.splice(0)) yield r;
  if (!ended) {
    for (;;) {
      const next = await it.next();
      if (next.done) break;
      run(next.value);
      if (out.length) for (const r of out.splice(0)) yield r;
    }
  }
  // The last record, if the text does not end with a line break.
  if (inRecord) endRecord();
  for (const r of out.splice(0)) yield r;
}

/** Why a body or file cannot be read as an import's text. */
export class ImportInputError extends Error {
  constructor(
    readonly code: 'not_utf8' | 'too_large',
    message: string,
  ) {
    super(message);
    this.name = 'ImportInputError';
  }
}

/**
 * UTF-8 text chunks from bytes (a web ReadableStream, or any async iterable of byte chunks such
 * as a node:fs stream), never the whole: a byte sequence that is not UTF-8 stops it with
 * {@link ImportInputError} `not_utf8`, and more than `maxBytes` with `too_large`. `onBytes`
 * hears each chunk's size (the CLI's progress and ETA).
 *
 * @example
 * readCsv(decodeUtf8(request.body!, { maxBytes: 1 << 30 }))
 */
export async function* decodeUtf8(
  source: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  opts: { maxBytes?: number; onBytes?: (n: number) => void } = {},
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let total = 0;
  const decode = (bytes?: Uint8Array) => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      throw new ImportInputError('not_utf8', 'The file is not UTF-8 text (save it as CSV UTF-8).');
    }
  };
  const chunks = chunksOf(source);
  for await (const bytes of chunks) {
    total += bytes.length;
    if (opts.maxBytes !== undefined && total > opts.maxBytes) {
      throw new ImportInputError('too_large', `The file is over ${opts.maxBytes} bytes (IMPORT_BODY_LIMIT_BYTES).`);
    }
    opts.onBytes?.(bytes.length);
    const text = decode(bytes);
    if (text) yield text;
  }
  const rest = decode();
  if (rest) yield rest;
}
