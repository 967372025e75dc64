// compressToSize against the fake server: unchanged when it fits, one direct call, map-reduce over
// chunks for text beyond the window, at most two length-fixing calls, and failures that lose nothing.
import { describe, expect, it } from 'vitest';
import { compressToSize, splitForSummary, usableInputChars } from '../../src/llm/compress.js';
import { reply, type RecordedRequest } from '../support/fake-openai.js';
import { useHarness } from './harness.js';

const h = useHarness();
const userText = (r: RecordedRequest): string => r.body.messages.find((m: { role: string }) => m.role === 'user').content;
const systemText = (r: RecordedRequest): string => r.body.messages.find((m: { role: string }) => m.role === 'system').content;

describe('compressToSize', () => {
  it('returns the text unchanged without any call when it already fits', async () => {
    const out = await compressToSize(h.llm.model('gpt-4.1-nano'), 'short text', 100);
    expect(out).toMatchObject({ ok: true, text: 'short text', strategy: 'unchanged', calls: 0 });
    expect(h.fake.requests).toHaveLength(0);
  });

  it('summarises in one direct call when the summary lands near the target', async () => {
    const long = 'The agent created tool current_time_utc and loaded it. '.repeat(200);
    h.fake.script(reply.text('s'.repeat(395), { usage: { prompt: 3000, completion: 100 } }));
    const out = await compressToSize(h.llm.model('compression'), long, 400);
    expect(out).toMatchObject({ ok: true, strategy: 'direct', calls: 1, text: 's'.repeat(395) });
    const req = h.fake.requests[0]!;
    expect(req.body.model).toBe('gpt-4.1-nano');
    expect(userText(req)).toBe(long);
    expect(systemText(req)).toContain('TARGET LENGTH: about 400 characters');
    expect(req.body.max_tokens).toBe(300);
    expect(out.ok && out.cost).toBeCloseTo((3000 * 0.1 + 100 * 0.4) / 1e6, 12);
  });

  it('makes at most two length-fixing calls', async () => {
    h.fake.script(reply.text('x'.repeat(900)), reply.text('y'.repeat(700)), reply.text('z'.repeat(600)), reply.text('never'));
    const out = await compressToSize(h.llm.model('gpt-4.1-nano'), 'w'.repeat(5000), 400);
    expect(out).toMatchObject({ ok: true, calls: 3, text: 'z'.repeat(600) });
    expect(systemText(h.fake.requests[1]!)).toMatch(/Shorten the text to about 400 characters \(it has 900\)/);
    expect(userText(h.fake.requests[1]!)).toBe('x'.repeat(900));
    expect(h.fake.pending()).toBe(1);
  });

  it('stops fixing once the length is within tolerance', async () => {
    h.fake.script(reply.text('x'.repeat(200)), reply.text('y'.repeat(410)), reply.text('never'));
    const out = await compressToSize(h.llm.model('gpt-4.1-nano'), 'w'.repeat(5000), 400);
    expect(out).toMatchObject({ ok: true, calls: 2, text: 'y'.repeat(410) });
    expect(systemText(h.fake.requests[1]!)).toMatch(/^You adjust summaries to a length. Expand/);
  });

  it('keeps the previous summary when a length-fixing call fails', async () => {
    h.fake.script(reply.text('x'.repeat(900)), reply.error(400, 'bad'));
    const out = await compressToSize(h.llm.model('gpt-4.1-nano'), 'w'.repeat(5000), 400);
    expect(out).toMatchObject({ ok: true, calls: 2, text: 'x'.repeat(900) });
  });

  it('fails without losing anything when the summarising call fails', async () => {
    h.fake.script(reply.error(401, 'bad key'));
    const original = 'w'.repeat(5000);
    const out = await compressToSize(h.llm.model('gpt-4.1-nano'), original, 400);
    expect(!out.ok && out.error.type).toBe('authentication');
    expect(original).toHaveLength(5000);
  });

  it('treats an empty summary as a failure', async () => {
    h.fake.script(reply.text('   '));
    const out = await compressToSize(h.llm.model('gpt-4.1-nano'), 'w'.repeat(5000), 400);
    expect(!out.ok && out.error.type).toBe('malformed_response');
  });

  it('chunks text beyond the model window, summarises each chunk, then merges', async () => {
    const model = h.llm.model('small-compressor');
    expect(usableInputChars(model.card)).toBe(3600);
    const words = Array.from({ length: 2000 }, (_, i) => `w${i}`).join(' '); // ~11.9k chars
    h.fake.script(...Array.from({ length: 10 }, () => (r: RecordedRequest) => reply.text(systemText(r).includes('Merge') ? 'm'.repeat(300) : 'p'.repeat(60))));
    const out = await compressToSize(model, words, 300);
    expect(out.ok && out.strategy).toBe('map_reduce');
    const chunkReqs = h.fake.requests.filter((r) => !systemText(r).includes('Merge'));
    const mergeReqs = h.fake.requests.filter((r) => systemText(r).includes('Merge'));
    expect(chunkReqs.length).toBeGreaterThan(1);
    expect(mergeReqs).toHaveLength(1);
    expect(out.ok && out.calls).toBe(chunkReqs.length + 1);
    for (const r of chunkReqs) expect(userText(r).length).toBeLessThanOrEqual(2160);
    // every word of the input reached some chunk
    const seen = new Set(chunkReqs.flatMap((r) => userText(r).split(/\s+/)));
    expect(words.split(' ').every((w) => seen.has(w))).toBe(true);
    expect(userText(mergeReqs[0]!)).toContain(`--- part ${chunkReqs.length} ---`);
  });

  it('stops when cancelled and reports it, keeping nothing half-done', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'text', text: 'part' }, { type: 'hang' }] });
    const ctl = new AbortController();
    h.fake.events.once('request', () => ctl.abort());
    const out = await compressToSize(h.llm.model('gpt-4.1-nano'), 'w'.repeat(5000), 400, { signal: ctl.signal });
    expect(!out.ok && out.error.type).toBe('cancelled');
  });

  it('rejects targets outside 50 .. 80% of the output limit', async () => {
    const small = h.llm.model('small-compressor'); // 500 output tokens -> max 1600 chars
    const a = await compressToSize(small, 'x'.repeat(5000), 10);
    const b = await compressToSize(small, 'x'.repeat(5000), 2000);
    expect(!a.ok && a.error.message).toMatch(/choose 50..1600 chars/);
    expect(!b.ok && b.error.type).toBe('invalid_request');
    expect(h.fake.requests).toHaveLength(0);
  });
});

describe('splitForSummary', () => {
  it('covers the whole text with bounded, overlapping pieces cut at word ends', () => {
    const text = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
    const pieces = splitForSummary(text, 300, 40);
    expect(pieces.every((p) => p.length <= 300)).toBe(true);
    expect(pieces[0]!.endsWith(' ')).toBe(true);
    expect(pieces.at(-1)!.endsWith('word499')).toBe(true);
    const joined = new Set(pieces.flatMap((p) => p.split(/\s+/)));
    for (let i = 0; i < 500; i++) expect(joined.has(`word${i}`)).toBe(true);
  });
});
