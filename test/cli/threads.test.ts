/**
 * `gallra anonymise --threads N`: the same output as one thread, in input
 * order, with the same counts — across batch boundaries, bad lines and
 * closed epochs (whose throw-away salt the workers must share).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clfTime, ensureBuilt, gzipSync, runCli, TempDirs, today } from '../helpers/cli.js';

const tmp = new TempDirs();
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => tmp.cleanup());

/** ~4 MB of combined lines stamped earlier today (salts on disk, shared by both runs), with bad lines mixed in. */
function input(n: number, at: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = clfTime(at + (i % 3600) * 1000);
    if (i % 997 === 0) lines.push(`garbage line ${i} from 81.6.${i % 256}.${1 + (i % 250)} jo${i}@example.com`);
    else lines.push(`81.6.${i % 256}.${1 + (i % 250)} - user${i % 50} [${t}] "GET /n/${String(i).padStart(6, '0')}?email=u${i}%40ex.se HTTP/1.1" 200 ${i % 5000} "-" "Mozilla/5.0 (X11; Linux x86_64) Firefox/${100 + (i % 30)}.0"`);
  }
  return lines.join('\n') + '\n';
}

describe('gallra anonymise --threads', () => {
  it('writes exactly what one thread writes, in input order, with the same counts', () => {
    const dir = tmp.make('threads');
    const stateDir = join(dir, 'state');
    // Earlier today, at least an hour ago when possible; still in the current epoch.
    const start = Math.max(today(), Date.now() - 2 * 3600_000);
    const file = join(dir, 'access.log');
    writeFileSync(file, input(30_000, start));
    const one = runCli(['anonymise', '--stats', '--format', 'combined', file], { stateDir });
    const two = runCli(['anonymise', '--stats', '--threads', '2', '--format', 'combined', file], { stateDir });
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    expect(two.stderr).toBe(one.stderr);
    expect(one.stderr).toMatch(/30000 lines in, 29969 out, 31 dropped \(unparsed 31\)/);
    expect(two.stdout).toBe(one.stdout);
    // Input order: the numbered paths come out in sequence.
    const ids = [...two.stdout.matchAll(/GET \/n\/(\d{6})/g)].map((m) => Number(m[1]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).toHaveLength(29_969);
  }, 60_000);

  it('gives events of a closed epoch one throw-away pseudonym per value across all workers of a run', () => {
    const dir = tmp.make('threads-closed');
    const stateDir = join(dir, 'state');
    const file = join(dir, 'old.log');
    // Three days ago: its epoch is closed, so every worker derives the run's throw-away salt.
    const at = today() - 3 * 86_400_000 + 3600_000;
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) lines.push(`81.6.1.${1 + (i % 250)} - alice [${clfTime(at + i)}] "GET /x/${i} HTTP/1.1" 200 1 "-" "curl/8.5.0"`);
    writeFileSync(file, lines.join('\n') + '\n');
    const r = runCli(['anonymise', '--threads', '3', '--format', 'combined', file], { stateDir });
    expect(r.status).toBe(0);
    const users = new Set(r.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[2]));
    expect(users.size).toBe(1);
    expect([...users][0]).not.toBe('alice');
  }, 60_000);

  /**
   * Header lines set the layout of the lines after them, and only the worker
   * that decoded one knows it. Before the fix, the batches another worker got
   * were all dropped as unparsed (46 % of an IIS log with --threads 2).
   */
  it('keeps the layout a header declared across batches: W3C #Fields blocks, a flow-log header, then a plain log, as one thread does', () => {
    const dir = tmp.make('threads-headers');
    const stateDir = join(dir, 'state');
    const at = Math.max(today(), Date.now() - 2 * 3600_000);
    const iso = (ms: number): [string, string] => {
      const d = new Date(ms).toISOString();
      return [d.slice(0, 10), d.slice(11, 19)];
    };
    // Two IIS blocks (a restart mid-file with the columns in another order), ~4 MB: batches are 1 MiB.
    const iis: string[] = [];
    const block = (fields: string) => iis.push('#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0', `#Date: ${iso(at).join(' ')}`, `#Fields: ${fields}`);
    block('date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken');
    for (let i = 0; i < 9_000; i++) {
      const [d, t] = iso(at + i * 100);
      iis.push(`${d} ${t} 10.0.0.1 GET /a/${String(i).padStart(6, '0')} - 443 - 203.0.${i % 256}.${1 + (i % 250)} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/120.0.0.0+Safari/537.36+Edg/120.0.0.0+padding+padding+padding+padding+padding https://example.com/ 200 0 0 15`);
    }
    block('date time c-ip cs-method cs-uri-stem sc-status time-taken cs(User-Agent)');
    for (let i = 0; i < 9_000; i++) {
      const [d, t] = iso(at + i * 100);
      iis.push(`${d} ${t} 198.51.${i % 256}.${1 + (i % 250)} GET /b/${String(i).padStart(6, '0')} 404 7 Mozilla/5.0+(X11;+Linux+x86_64;+rv:121.0)+Gecko/20100101+Firefox/121.0+padding+padding+padding+padding+padding+padding+padding+padding+padding+padding`);
    }
    const iisFile = join(dir, 'u_ex.log');
    writeFileSync(iisFile, iis.join('\r\n') + '\r\n');
    // A VPC flow log whose header reorders the columns (v5): no data line is readable without it.
    const flows = ['version srcaddr dstaddr srcport dstport protocol start end type packets bytes account-id vpc-id subnet-id instance-id interface-id region az-id sublocation-type sublocation-id action tcp-flags pkt-srcaddr pkt-dstaddr log-status'];
    const s = Math.floor(at / 1000);
    for (let i = 0; i < 14_000; i++) flows.push(`5 52.95.${i % 256}.${1 + (i % 250)} 10.0.0.71 80 ${30000 + (i % 30000)} 6 ${s + Math.floor(i / 10)} ${s + Math.floor(i / 10) + 57} IPv4 14 15044 123456789012 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-0c50d5961bcb2d47b eni-1235b8ca123456789 ap-southeast-2 apse2-az3 - - ACCEPT 19 52.95.${i % 256}.${1 + (i % 250)} 10.0.0.71 OK`);
    const flowFile = join(dir, 'flows.log');
    writeFileSync(flowFile, flows.join('\n') + '\n');
    const plainFile = join(dir, 'access.log');
    writeFileSync(plainFile, input(12_000, at));
    const args = ['anonymise', '--stats', iisFile, flowFile, plainFile];
    const one = runCli(args, { stateDir });
    const two = runCli([...args.slice(0, 2), '--threads', '2', ...args.slice(2)], { stateDir });
    expect(one.status).toBe(0);
    expect(two.status).toBe(0);
    // Every line of every input readable: only the combined input's planted garbage is dropped.
    expect(one.stderr).toMatch(/44000 lines in, 43987 out, 13 dropped \(unparsed 13\)/);
    expect(two.stderr).toBe(one.stderr);
    expect(two.stdout).toBe(one.stdout);
  }, 120_000);

  /**
   * Worker threads read a plain file themselves, in byte ranges: every line
   * belongs to the range holding its first byte. Ranges of a few hundred
   * bytes cut lines everywhere — inside CRLF endings, inside a line too long
   * to keep, next to empty lines and at a last line without a newline.
   */
  it('reads a plain file in byte ranges cut anywhere and writes exactly what one thread writes', () => {
    const dir = tmp.make('threads-ranges');
    const stateDir = join(dir, 'state');
    const at = Math.max(today(), Date.now() - 2 * 3600_000);
    const body = input(3_000, at).split('\n');
    body.splice(700, 0, '', '');
    // Longer than input.max_line_length (64 KiB): dropped as too_long, in whichever ranges it spans.
    body.splice(1500, 0, `81.6.1.1 - - [${clfTime(at)}] "GET /${'x'.repeat(70_000)} HTTP/1.1" 200 1 "-" "curl/8"`);
    const crlf = body.slice(0, 2_000).join('\r\n') + '\r\n' + body.slice(2_000).join('\n');
    // The last line has no newline.
    const file = join(dir, 'ranges.log');
    writeFileSync(file, crlf.replace(/\n+$/, ''));
    const plain = join(dir, 'plain.log');
    writeFileSync(plain, input(500, at));
    const gz = join(dir, 'rotated.log.gz');
    writeFileSync(gz, gzipSync(input(400, at)));
    const args = ['anonymise', '--stats', '--format', 'combined', file, gz, plain];
    const one = runCli(args, { stateDir });
    expect(one.status).toBe(0);
    expect(one.stderr).toMatch(/^gallra: 3903 lines in, 3894 out, 9 dropped \(unparsed 6, too_long 1, empty 2\)/);
    for (const [threads, bytes] of [['2', '333'], ['3', '4099'], ['2', '1000000']] as const) {
      const many = runCli([...args.slice(0, 2), '--threads', threads, '--log-level', 'debug', ...args.slice(2)], { stateDir, env: { GALLRA_THREAD_RANGE_BYTES: bytes } });
      expect(many.status).toBe(0);
      expect(many.stdout).toBe(one.stdout);
      expect(many.stderr.split('\n').filter((l) => l.startsWith('gallra: '))).toEqual([one.stderr.trim()]);
      // The plain files went by byte ranges; the gzip file was streamed.
      expect(many.stderr.match(/input read by the worker threads in byte ranges/g)).toHaveLength(2);
    }
  }, 180_000);

  it('rejects a --threads value that is not a whole number from 1 to 64', () => {
    const stateDir = tmp.make('threads-bad');
    for (const v of ['0', '65', 'two', '1.5']) {
      const r = runCli(['anonymise', '--threads', v], { stateDir });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('--threads must be a whole number from 1 to 64');
    }
  });
});
