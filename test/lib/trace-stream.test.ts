import { describe, expect, it } from 'vitest';
import { TraceStream } from '../../lib/core/trace-stream.js';

function stream() {
  const records: string[] = [];
  return { records, errors: new TraceStream((text) => records.push(text)) };
}

describe('wsgi.errors', () => {
  it('sends each batch of whole lines as one trace record', () => {
    const { records, errors } = stream();
    errors.write('one\ntwo\n');
    expect(records).toEqual(['one\ntwo']);
  });

  it('keeps a partial line until its line end', () => {
    const { records, errors } = stream();
    errors.write('par');
    expect(records).toEqual([]);
    errors.write('tial\nnext');
    expect(records).toEqual(['partial']);
  });

  it('sends the partial line on flush', () => {
    const { records, errors } = stream();
    errors.write('no newline');
    errors.flush();
    errors.flush();
    expect(records).toEqual(['no newline']);
  });

  it('writes lines with writelines', () => {
    const { records, errors } = stream();
    errors.writelines(['a\n', 'b\n']);
    expect(records).toEqual(['a', 'b']);
  });
});
